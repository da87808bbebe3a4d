import { describe, expect, it } from 'vitest';
import { SecretKey } from '@slipway/config';
import { encryptSecretValues } from '@slipway/releases';
import { resolveRunVars } from './run-vars.js';

const keys = { current: new SecretKey(Buffer.alloc(32, 9)) };

describe('resolveRunVars', () => {
  it('replaces placeholders with the decrypted values and lists every secret for the masker', () => {
    const release = {
      extraVars: { version: '1.0.0', db_password: '********', api_token: '********' },
      secretVars: ['db_password', 'api_token'],
      secretValues: encryptSecretValues({ db_password: 'given-pw', api_token: 'catalog-token' }, keys),
    };
    const run = resolveRunVars(release, { extraVars: { api_token: 'catalog-token' }, secretVars: ['db_password', 'api_token'] }, keys, {});
    expect(run.vars).toEqual({ version: '1.0.0', db_password: 'given-pw', api_token: 'catalog-token' });
    expect(run.secretValues).toEqual(expect.arrayContaining(['given-pw', 'catalog-token']));
    expect(run.notes).toEqual([]);
  });

  it('reads `default: { env }` secrets from the worker environment at run time; unset → left undefined, said in the log', () => {
    const template = { extraVars: {}, secretVars: ['db_password'], vars: { db_password: { defaultFromEnv: 'DEPLOY_DB_PASSWORD' } } };
    const release = { extraVars: { version: '1' }, secretVars: ['db_password'], secretValues: null };
    const run = resolveRunVars(release, template, keys, { DEPLOY_DB_PASSWORD: 'from-env' });
    expect(run.vars).toEqual({ version: '1', db_password: 'from-env' });
    expect(run.secretValues).toContain('from-env');
    const unset = resolveRunVars(release, template, keys, {});
    expect(unset.vars).toEqual({ version: '1' });
    expect(unset.notes).toEqual(['[slipway] secret var db_password: DEPLOY_DB_PASSWORD is not set on this worker; the var is left undefined']);
  });

  it('a value given with the release wins over the env default', () => {
    const template = { extraVars: {}, secretVars: ['db_password'], vars: { db_password: { defaultFromEnv: 'DEPLOY_DB_PASSWORD' } } };
    const release = { extraVars: { db_password: '********' }, secretVars: ['db_password'], secretValues: encryptSecretValues({ db_password: 'given' }, keys) };
    expect(resolveRunVars(release, template, keys, { DEPLOY_DB_PASSWORD: 'from-env' }).vars).toEqual({ db_password: 'given' });
  });

  it('releases from before (secrets in clear, no list of their own) are masked with the catalog list', () => {
    const release = { extraVars: { db_password: 'old-clear' }, secretVars: null, secretValues: null };
    const run = resolveRunVars(release, { extraVars: {}, secretVars: ['db_password'] }, keys, {});
    expect(run.vars).toEqual({ db_password: 'old-clear' });
    expect(run.secretValues).toContain('old-clear');
  });

  it('stored values without the key: SecretCipherError naming SLIPWAY_SECRET_KEY', () => {
    const release = { extraVars: { db_password: '********' }, secretVars: ['db_password'], secretValues: encryptSecretValues({ db_password: 'x' }, keys) };
    expect(() => resolveRunVars(release, { extraVars: {}, secretVars: ['db_password'] }, {}, {})).toThrow(/SLIPWAY_SECRET_KEY is not set/);
  });
});
