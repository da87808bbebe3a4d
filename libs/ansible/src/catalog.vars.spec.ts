import { describe, expect, it } from 'vitest';
import { mergeExtraVars, redactSecrets, resolveLockKey } from './catalog.vars.js';

describe('resolveLockKey', () => {
  it('fills in template and inventory', () => {
    expect(resolveLockKey({ name: 'hello', lock: '{template}:{inventory}' }, 'local')).toBe('hello:local');
    expect(resolveLockKey({ name: 'hello', lock: 'deploy-{inventory}-{inventory}' }, 'prod')).toBe('deploy-prod-prod');
  });

  it('does not interpret $ replacement patterns', () => {
    expect(resolveLockKey({ name: 'a', lock: '{inventory}' }, "$&$'")).toBe("$&$'");
  });
});

describe('mergeExtraVars', () => {
  it('overrides defaults key by key, shallowly', () => {
    const template = { extraVars: { greeting: 'hi', nested: { a: 1, b: 2 }, keep: true } };
    expect(mergeExtraVars(template, { greeting: 'yo', nested: { a: 9 }, added: 1 })).toEqual({
      greeting: 'yo',
      nested: { a: 9 },
      keep: true,
      added: 1,
    });
    expect(template.extraVars.greeting).toBe('hi');
  });

  it('treats undefined overrides as not given', () => {
    expect(mergeExtraVars({ extraVars: { a: 1 } }, { a: undefined })).toEqual({ a: 1 });
  });

  it('keeps a "__proto__" var as a plain key', () => {
    const merged = mergeExtraVars({ extraVars: {} }, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(Object.keys(merged)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});

describe('redactSecrets', () => {
  it('replaces secret values only, without touching the input', () => {
    const vars = { user: 'app', db_password: 's3cret', token: 'x' };
    expect(redactSecrets(vars, ['db_password', 'token', 'absent'])).toEqual({
      user: 'app',
      db_password: '********',
      token: '********',
    });
    expect(vars.db_password).toBe('s3cret');
  });
});
