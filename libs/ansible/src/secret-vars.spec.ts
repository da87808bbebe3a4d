import { describe, expect, it } from 'vitest';
import { secretEnvDefaults, splitSecretVars } from './secret-vars.js';

describe('splitSecretVars', () => {
  it('keeps secrets only as "********" and hands their values back separately', () => {
    expect(splitSecretVars({ version: '1.2.3', db_password: 'hunter2', unset: undefined }, ['db_password', 'unset'])).toEqual({
      stored: { version: '1.2.3', db_password: '********', unset: undefined },
      secrets: { db_password: 'hunter2' },
    });
  });

  it('a "__proto__" var stays a plain var', () => {
    const vars = Object.fromEntries([['__proto__', 'x']]);
    const { stored, secrets } = splitSecretVars(vars, ['__proto__']);
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(Object.keys(secrets)).toEqual(['__proto__']);
  });
});

describe('secretEnvDefaults', () => {
  it('maps each secret var with `default: { env }` to its environment variable', () => {
    expect(
      secretEnvDefaults({ secretVars: ['db_password', 'api_key'], vars: { db_password: { defaultFromEnv: 'DEPLOY_DB_PASSWORD' }, api_key: {} } }),
    ).toEqual({ db_password: 'DEPLOY_DB_PASSWORD' });
    // A non-secret var is never read from the worker's environment.
    expect(secretEnvDefaults({ secretVars: [], vars: { x: { defaultFromEnv: 'X' } } })).toEqual({});
    expect(secretEnvDefaults({ secretVars: ['db_password'] })).toEqual({});
  });
});
