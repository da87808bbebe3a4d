import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ApiClient } from '../support/api-client.js';
import { dumpDatabase } from '../support/db-dump.js';
import { type RunningApi, type ServiceProcess, descendantsOf, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';

// The example vault (examples/playbooks/vars/vault-demo.vault.yml) was encrypted with this password.
const VAULT_PASSWORD = 'slipway-example-vault-password';
const SSH_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${randomBytes(24).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
const SSH_KEY_MARKER = SSH_KEY.split('\n')[1].slice(24);

function expectNoCredential(text: string, where: string): void {
  if (text.includes(VAULT_PASSWORD)) throw new Error(`${where} contains the vault password`);
  if (text.includes(SSH_KEY_MARKER)) throw new Error(`${where} contains the SSH key`);
}

/** The example catalog, plus a template with both credentials (the key from a file) and one whose env is unset. */
function testCatalog(dir: string, keyFile: string): string {
  const example = parse(readFileSync(resolve(REPO_ROOT, 'examples/catalog.yml'), 'utf8')) as {
    project: string;
    templates: Record<string, Record<string, unknown>>;
  };
  const vaultDemo = example.templates['vault-demo'];
  if (!vaultDemo) throw new Error('examples/catalog.yml has no vault-demo template');
  example.project = resolve(REPO_ROOT, 'examples', example.project);
  example.templates['vault-ssh'] = {
    ...vaultDemo,
    extraVars: { pause_seconds: 4 },
    credentials: { vaultPassword: { env: 'SLIPWAY_EXAMPLE_VAULT_PASSWORD' }, sshKey: { file: keyFile } },
  };
  example.templates['vault-unset'] = { ...vaultDemo, credentials: { vaultPassword: { env: 'SLIPWAY_TEST_UNSET_VAULT_PASSWORD' } } };
  const file = join(dir, 'catalog.yml');
  writeFileSync(file, stringify(example));
  return file;
}

describe('credentials: ansible vault password and SSH key from the worker, never stored or on argv', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let bot: ApiClient;
  let dir: string;

  beforeAll(async () => {
    env = await createTestEnv('secrets-cred');
    dir = mkdtempSync(join(tmpdir(), 'slipway-cred-test-'));
    const keyFile = join(dir, 'deploy_key');
    writeFileSync(keyFile, SSH_KEY, { mode: 0o600 });
    env.env.SLIPWAY_CATALOG = testCatalog(dir, keyFile);
    api = await startApi(env.env);
    worker = await startWorker({ ...env.env, SLIPWAY_EXAMPLE_VAULT_PASSWORD: VAULT_PASSWORD });
    const admin = new ApiClient(api.url, env.bootstrapToken);
    bot = new ApiClient(api.url, await createToken(admin, 'vault-bot', 'deployer'));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the example vault-demo release decrypts its vault file', async () => {
    const created = await bot.createRelease({ template: 'vault-demo' });
    const done = await bot.waitForRelease(created.id, ['succeeded', 'failed'], 90_000);
    const log = await bot.log(created.id);
    expect(done.status, log).toBe('succeeded');
    expect(log).toContain('vault says: the vault opened');
    expectNoCredential(log, 'the log');
  });

  it('ansible gets only paths to 0600 copies in a private dir; the secrets are nowhere, the copies gone after', async () => {
    const created = await bot.createRelease({ template: 'vault-ssh' });
    const pid = await waitFor(
      'the ansible pid in the worker log',
      () => worker.jsonLines().find((l) => l.releaseId === created.id && typeof l.ansiblePid === 'number')?.ansiblePid as number | undefined,
      { timeoutMs: 60_000 },
    );
    // While it runs (the playbook pauses 4 s): every ansible process's argv, and the files it names. The
    // logged pid is the run's supervisor (a fork of the worker's spawner); ansible-playbook is its child.
    const main = await waitFor('ansible-playbook below its supervisor', () => descendantsOf(pid).find((p) => p.command.includes('ansible-playbook')), { timeoutMs: 10_000 });
    const cmdline = readFileSync(`/proc/${main.pid}/cmdline`, 'utf8').split('\0');
    const argvOfAll = [cmdline.join(' '), ...descendantsOf(pid).map((p) => p.command)].join('\n');
    expectNoCredential(argvOfAll, '/proc/<pid>/cmdline of ansible');
    const vaultFile = cmdline.find((a) => a.startsWith('--vault-password-file='))?.split('=')[1];
    const keyFile = cmdline.find((a) => a.startsWith('--private-key='))?.split('=')[1];
    expect(vaultFile, cmdline.join(' ')).toBeDefined();
    expect(keyFile, cmdline.join(' ')).toBeDefined();
    for (const file of [vaultFile!, keyFile!]) {
      expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
      expect((statSync(dirname(file)).mode & 0o777).toString(8)).toBe('700');
    }
    expect(readFileSync(vaultFile!, 'utf8')).toBe(`${VAULT_PASSWORD}\n`);
    expect(readFileSync(keyFile!, 'utf8')).toBe(SSH_KEY);

    const done = await bot.waitForRelease(created.id, ['succeeded', 'failed'], 90_000);
    const log = await bot.log(created.id);
    expect(done.status, log).toBe('succeeded');
    expect(log).toContain('vault says: the vault opened');
    expect(existsSync(vaultFile!)).toBe(false);
    expect(existsSync(keyFile!)).toBe(false);

    expectNoCredential(log, 'the log');
    expectNoCredential(JSON.stringify(await bot.getRelease(created.id)), 'the release view');
    expectNoCredential(await dumpDatabase(env.databaseUrl, env.database), 'the database');
    expectNoCredential(worker.output, "the worker's own log");
    expectNoCredential(api.output, "the API's own log");
  });

  it('a credential the worker does not have fails the release with a reason naming it, not running ansible', async () => {
    const created = await bot.createRelease({ template: 'vault-unset' });
    const done = await bot.waitForRelease(created.id, ['succeeded', 'failed'], 60_000);
    expect(done.status).toBe('failed');
    expect(done.reason).toContain('SLIPWAY_TEST_UNSET_VAULT_PASSWORD is not set');
    expect(worker.jsonLines().some((l) => l.releaseId === created.id && typeof l.ansiblePid === 'number')).toBe(false);
  });
});
