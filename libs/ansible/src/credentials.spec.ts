import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialError, prepareCredentials, validateCredentials } from './credentials.js';

describe('validateCredentials', () => {
  const validate = (raw: unknown) => {
    const problems: string[] = [];
    const credentials = validateCredentials(raw, (key, message) => problems.push(`${key}: ${message}`));
    return { credentials, problems };
  };

  it('accepts a vault password and an SSH key from env or an absolute file', () => {
    expect(validate({ vaultPassword: { env: 'VAULT_PW' }, sshKey: { file: '/etc/slipway/key' } })).toEqual({
      credentials: { vaultPassword: { env: 'VAULT_PW' }, sshKey: { file: '/etc/slipway/key' } },
      problems: [],
    });
    expect(validate(undefined)).toEqual({ credentials: {}, problems: [] });
  });

  it('reports every problem, naming the key', () => {
    const { problems } = validate({
      vaultPassword: 'hunter2',
      sshKey: { file: 'relative/key' },
      becomePassword: { env: 'X' },
    });
    expect(problems).toEqual([
      'credentials.vaultPassword: must be { file: /absolute/path } or { env: VARIABLE_NAME }',
      'credentials.sshKey.file: must be an absolute path on the worker',
      'credentials.becomePassword: unknown key (allowed: vaultPassword, sshKey)',
    ]);
    expect(validate({ vaultPassword: { env: 'BAD NAME' } }).problems).toEqual(['credentials.vaultPassword.env: must be an environment variable name']);
    expect(validate({ vaultPassword: { env: 'A', file: '/x' } }).problems).toHaveLength(1);
    expect(validate(['x']).problems).toEqual(['credentials: must be a mapping with vaultPassword and/or sshKey']);
  });
});

describe('prepareCredentials', () => {
  let runDir: string;
  beforeEach(() => {
    runDir = mkdtempSync(join(tmpdir(), 'slipway-cred-spec-'));
  });
  afterEach(() => rmSync(runDir, { recursive: true, force: true }));

  it('writes 0600 copies and returns only their paths as options', async () => {
    const keyFile = join(runDir, 'given-key');
    writeFileSync(keyFile, 'KEY-MATERIAL', { mode: 0o644 });
    const prepared = await prepareCredentials(runDir, { vaultPassword: { env: 'PW' }, sshKey: { file: keyFile } }, { PW: 'vault-pw\n' });
    expect(prepared.argv).toEqual([`--vault-password-file=${join(runDir, 'vault-password')}`, `--private-key=${join(runDir, 'ssh-key')}`]);
    expect(prepared.argv.join(' ')).not.toContain('vault-pw');
    expect(prepared.values).toEqual(['vault-pw', 'KEY-MATERIAL']);
    expect(readFileSync(join(runDir, 'vault-password'), 'utf8')).toBe('vault-pw\n');
    expect(readFileSync(join(runDir, 'ssh-key'), 'utf8')).toBe('KEY-MATERIAL\n');
    for (const name of ['vault-password', 'ssh-key']) expect(statSync(join(runDir, name)).mode & 0o777).toBe(0o600);
  });

  it('nothing named: no options', async () => {
    expect(await prepareCredentials(runDir, {}, {})).toEqual({ argv: [], values: [] });
  });

  it('a missing env var or file is a CredentialError naming it, never a value', async () => {
    await expect(prepareCredentials(runDir, { vaultPassword: { env: 'NOPE' } }, {})).rejects.toThrow(
      new CredentialError('credentials.vaultPassword: environment variable NOPE is not set on this worker'),
    );
    await expect(prepareCredentials(runDir, { sshKey: { file: join(runDir, 'missing') } }, {})).rejects.toThrow(/cannot read .*missing on this worker \(ENOENT\)/);
  });
});
