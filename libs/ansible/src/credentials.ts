import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isPlainObject } from './plain-object.js';

/**
 * Credentials a template names for its runs: an ansible vault password and an SSH private key, each read
 * by the worker at run time from a file or one of its environment variables. Never stored in the DB, never
 * on argv: ansible gets the path of a 0600 copy in the run's private directory.
 *
 * ```yaml
 * credentials:
 *   vaultPassword: { env: DEPLOY_VAULT_PASSWORD }   # or { file: /etc/slipway/vault-pass }
 *   sshKey: { file: /etc/slipway/deploy_ed25519 }   # or { env: DEPLOY_SSH_KEY }
 * ```
 */
export type CredentialSource = { file: string } | { env: string };

export interface RunCredentials {
  vaultPassword?: CredentialSource;
  sshKey?: CredentialSource;
}

const CREDENTIAL_KINDS = ['vaultPassword', 'sshKey'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Validates a `credentials:` mapping, reporting each problem under `credentials.<key>`. */
export function validateCredentials(raw: unknown, report: (key: string, message: string) => void): RunCredentials {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) {
    report('credentials', 'must be a mapping with vaultPassword and/or sshKey');
    return {};
  }
  const credentials: RunCredentials = {};
  for (const [kind, source] of Object.entries(raw)) {
    const where = `credentials.${kind}`;
    if (!(CREDENTIAL_KINDS as readonly string[]).includes(kind)) {
      report(where, `unknown key (allowed: ${CREDENTIAL_KINDS.join(', ')})`);
      continue;
    }
    const keys = isPlainObject(source) ? Object.keys(source) : [];
    if (!isPlainObject(source) || keys.length !== 1 || (keys[0] !== 'file' && keys[0] !== 'env')) {
      report(where, 'must be { file: /absolute/path } or { env: VARIABLE_NAME }');
    } else if ('env' in source) {
      if (typeof source.env !== 'string' || !ENV_NAME.test(source.env)) report(`${where}.env`, 'must be an environment variable name');
      else credentials[kind as (typeof CREDENTIAL_KINDS)[number]] = { env: source.env };
    } else if (typeof source.file !== 'string' || !path.isAbsolute(source.file)) {
      report(`${where}.file`, 'must be an absolute path on the worker');
    } else {
      credentials[kind as (typeof CREDENTIAL_KINDS)[number]] = { file: source.file };
    }
  }
  return credentials;
}

/** A credential the worker cannot read; the message names the source, never a value. */
export class CredentialError extends Error {
  override name = 'CredentialError';
}

export interface PreparedCredentials {
  /** Options for ansible-playbook: only paths, never the credentials themselves. */
  argv: string[];
  /** The credential values, for the log masker. */
  values: string[];
}

/**
 * Writes each credential to a 0600 file in `runDir` (the run's private directory, removed with it) and
 * returns the ansible-playbook options pointing at them. A vault password file is a plain copy, never
 * the given file itself: ansible would execute a password file that has the executable bit.
 */
export async function prepareCredentials(
  runDir: string,
  credentials: RunCredentials,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PreparedCredentials> {
  const argv: string[] = [];
  const values: string[] = [];
  if (credentials.vaultPassword) {
    const password = await readSource('vaultPassword', credentials.vaultPassword, env);
    const file = path.join(runDir, 'vault-password');
    await writeFile(file, `${password.replace(/\r?\n$/, '')}\n`, { mode: 0o600, flag: 'wx' });
    argv.push(`--vault-password-file=${file}`);
    values.push(password.trim());
  }
  if (credentials.sshKey) {
    const key = await readSource('sshKey', credentials.sshKey, env);
    const file = path.join(runDir, 'ssh-key');
    // OpenSSH refuses a key file without its final newline ("invalid format").
    await writeFile(file, key.endsWith('\n') ? key : `${key}\n`, { mode: 0o600, flag: 'wx' });
    argv.push(`--private-key=${file}`);
    values.push(key.trim());
  }
  return { argv, values };
}

async function readSource(kind: string, source: CredentialSource, env: NodeJS.ProcessEnv): Promise<string> {
  if ('env' in source) {
    const value = env[source.env];
    if (value === undefined || value === '') {
      throw new CredentialError(`credentials.${kind}: environment variable ${source.env} is not set on this worker`);
    }
    return value;
  }
  try {
    const value = await readFile(source.file, 'utf8');
    if (value.trim() === '') throw new CredentialError(`credentials.${kind}: file ${source.file} is empty`);
    return value;
  } catch (error) {
    if (error instanceof CredentialError) throw error;
    throw new CredentialError(`credentials.${kind}: cannot read ${source.file} on this worker (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
