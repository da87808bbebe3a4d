import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { startCli } from '../support/cli-runner.js';
import { dumpDatabase } from '../support/db-dump.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

// Given only as a secret var (db_password): a quote, a backslash, non-ASCII and ": ", so every escaping is tried.
const VAR_SECRET = `wr-Pa55"w\\rd-é: ${randomBytes(6).toString('hex')}`;
// Given as a secret var (api_token) and as a tag too (a space and a quote: the shown command line has to quote it).
const TAG_SECRET = `wr tag'${randomBytes(6).toString('hex')}`;
const VAULT_PASSWORD = `wr-vault-${randomBytes(6).toString('hex')}`;

function expectNowhere(text: string, where: string, secrets: string[] = [VAR_SECRET, TAG_SECRET, VAULT_PASSWORD]): void {
  for (const secret of secrets) {
    for (const form of [secret, JSON.stringify(secret).slice(1, -1), secret.slice(-12) /* the random part alone */]) {
      if (text.includes(form)) throw new Error(`${where} contains a secret (form ${JSON.stringify(form)})`);
    }
  }
}

/** secret-echo with a secret var and a vault password credential, and hello; `edits` change one entry each. */
function catalogYaml(edits: { helloDescription?: string; secretEchoTimeout?: number } = {}): string {
  return [
    `project: ${resolve(REPO_ROOT, 'examples/playbooks')}`,
    'inventories:',
    '  local: inventories/local.ini',
    'templates:',
    '  hello:',
    '    playbook: hello.yml',
    `    description: ${edits.helloDescription ?? 'Says hello'}`,
    '  secret-echo:',
    '    playbook: secret-echo.yml',
    `    timeout: ${edits.secretEchoTimeout ?? 120}`,
    '    vars:',
    '      db_password: { type: string, secret: true, required: true }',
    '      api_token: { type: string, secret: true, default: catalog-default-token }',
    '      pause_seconds: { type: integer, default: 1, min: 1 }',
    '    credentials:',
    '      vaultPassword: { env: WHAT_RAN_VAULT_PASSWORD }',
    '',
  ].join('\n');
}

async function cli(args: string[], env: Record<string, string>) {
  const run = await startCli(args, env).done;
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
}

describe('what ran: argv (no secret on it), ansible-core version, catalog digest', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let bot: ApiClient;
  let botToken: string;
  let dir: string;
  let catalogFile: string;
  let ansibleVersion: string;
  let released: ReleaseJson;

  const cliEnv = () => ({ SLIPWAY_URL: api.url, SLIPWAY_TOKEN: botToken });

  /** Only its digest matters: scheduled an hour ahead, it never runs during the test. */
  const later = () => ({ runAt: new Date(Date.now() + 3_600_000).toISOString() });

  async function restartApi(yaml: string): Promise<void> {
    writeFileSync(catalogFile, yaml);
    await api.stop();
    api = await startApi(env.env);
    bot = new ApiClient(api.url, botToken);
  }

  beforeAll(async () => {
    env = await createTestEnv('what-ran');
    dir = mkdtempSync(join(tmpdir(), 'slipway-what-ran-'));
    catalogFile = join(dir, 'catalog.yml');
    writeFileSync(catalogFile, catalogYaml());
    env.env.SLIPWAY_CATALOG = catalogFile;
    api = await startApi(env.env);
    worker = await startWorker({ ...env.env, WHAT_RAN_VAULT_PASSWORD: VAULT_PASSWORD });
    botToken = await createToken(new ApiClient(api.url, env.bootstrapToken), 'what-ran-bot', 'deployer');
    bot = new ApiClient(api.url, botToken);
    const firstLine = (await execa('ansible-playbook', ['--version'])).stdout.split('\n')[0];
    ansibleVersion = /\[core ([^\]\s]+)\]/.exec(firstLine)?.[1] ?? '';
    expect(ansibleVersion, firstLine).toMatch(/^\d+\.\d+/);

    released = await bot.createRelease({
      template: 'secret-echo',
      extraVars: { db_password: VAR_SECRET, api_token: TAG_SECRET },
      tags: [TAG_SECRET, 'deploy'],
      limit: 'localhost',
    });
    const done = await bot.waitForRelease(released.id, ['succeeded', 'failed'], 300_000);
    expect(done.status, await bot.log(released.id)).toBe('succeeded');
  }, 600_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the API shows the argv as run, no secret var on it, and the version ansible-playbook --version gives', async () => {
    const response = await bot.request<ReleaseJson>('GET', `/api/v1/releases/${released.id}`);
    // The tag's value is in `tags` as the user gave it (not a secret field), so it is looked for in the argv only.
    expectNowhere(response.text, 'the API response', [VAR_SECRET, VAULT_PASSWORD]);
    const argv = response.body.argv as string[];
    expect(argv[0]).toBe('ansible-playbook');
    expect(argv).toContain('-e');
    expect(argv.find((a) => a.startsWith('@'))).toMatch(/extra-vars\.yml$/);
    expect(argv.find((a) => a.startsWith('--vault-password-file='))).toBeDefined();
    expect(argv.at(-1)).toBe(resolve(REPO_ROOT, 'examples/playbooks/secret-echo.yml'));
    expect(response.body.ansibleVersion).toBe(ansibleVersion);

    const listed = await bot.request('GET', '/api/v1/releases');
    expectNowhere(listed.text, 'the release list', [VAR_SECRET, VAULT_PASSWORD]);
    expectNowhere(JSON.stringify(argv), 'the argv', [VAR_SECRET, VAULT_PASSWORD]);
  });

  it('the argv is recorded as run: a tag is there as the user gave it, even one equal to a secret var value', async () => {
    const shown = await bot.getRelease(released.id);
    const argv = shown.argv as string[];
    // The user typed this tag: showing it tells them nothing, masking it would tell them it is a secret.
    expect(argv).toContain(`--tags=${TAG_SECRET},deploy`);
    expect(argv).toContain('--limit=localhost');
    expectNowhere(JSON.stringify(argv), 'the argv', [VAR_SECRET, VAULT_PASSWORD]);
    const [row] = await queryDb<{ argv: unknown; ansible_version: string }>(env.databaseUrl, 'SELECT argv, ansible_version FROM releases WHERE id = ?', [released.id]);
    expect(row.argv).toEqual(argv);
    expect(row.ansible_version).toBe(ansibleVersion);
    expectNowhere(JSON.stringify(row), 'the stored argv', [VAR_SECRET, VAULT_PASSWORD]);
  });

  it("no guessing oracle: a tag equal to the catalog's default secret is recorded as verbatim as a wrong guess", async () => {
    const guesses = ['catalog-default-token', 'catalog-default-tokem'];
    const argvs: string[][] = [];
    for (const guess of guesses) {
      const guessed = await bot.createRelease({ template: 'secret-echo', extraVars: { db_password: 'x-guess' }, tags: ['guess1', guess] });
      const done = await bot.waitForRelease(guessed.id, ['succeeded', 'failed'], 300_000);
      expect(done.status, await bot.log(guessed.id)).toBe('succeeded');
      argvs.push(done.argv as string[]);
    }
    expect(argvs[0]).toContain('--tags=guess1,catalog-default-token');
    expect(argvs[1]).toContain('--tags=guess1,catalog-default-tokem');
    // Apart from the tags and the run's own directory, the two argvs are the same.
    const shape = (argv: string[]) => argv.filter((a) => !a.startsWith('--tags=')).map((a) => a.replace(/release-\d+-[^/]+/g, 'RUN'));
    expect(shape(argvs[0])).toEqual(shape(argvs[1]));
  });

  it('slipway release show prints the what-ran section; --json carries the fields; no secret in either', async () => {
    const text = await cli(['release', 'show', String(released.id)], cliEnv());
    expect(text).toContain('what ran');
    expect(text).toMatch(/Command\s+ansible-playbook --vault-password-file=\S+ -i \S+local\.ini -e @\S+extra-vars\.yml --limit=localhost '--tags=wr tag'\\''[0-9a-f]{12},deploy' \S+secret-echo\.yml\n/);
    expect(text).toMatch(new RegExp(`ansible-core\\s+${ansibleVersion.replace(/\./g, '\\.')}\\n`));
    expect(text).toMatch(/Catalog digest\s+sha256:[0-9a-f]{64}/);
    // The command line shows the user's own tag as given; nothing else of the values.
    expectNowhere(text, 'slipway release show', [VAR_SECRET, VAULT_PASSWORD]);
    const json = await cli(['--json', 'release', 'show', String(released.id)], cliEnv());
    const parsed = JSON.parse(json) as ReleaseJson;
    expect(parsed.argv).toEqual((await bot.getRelease(released.id)).argv);
    expect(parsed.ansibleVersion).toBe(ansibleVersion);
    expectNowhere(json, 'slipway --json release show', [VAR_SECRET, VAULT_PASSWORD]);
  });

  it('no column of any table holds the var secret or the vault password in clear', async () => {
    // The tag's value is in the tags column and the audit entry as the user gave it (not a secret field): left out here.
    expectNowhere(await dumpDatabase(env.databaseUrl, env.database), 'the database', [VAR_SECRET, VAULT_PASSWORD]);
  });

  it('the catalog digest: the same for the same entry, another after the entry changed, stored per release', async () => {
    const digest = (await bot.getRelease(released.id)).catalogDigest as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const again = await bot.createRelease({ template: 'secret-echo', extraVars: { db_password: 'other' }, ...later() });
    expect(again.catalogDigest).toBe(digest);
    const hello = await bot.createRelease({ template: 'hello', ...later() });
    expect(hello.catalogDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hello.catalogDigest).not.toBe(digest);

    // Another template changed, API restarted: secret-echo's digest stays, hello's moves.
    await restartApi(catalogYaml({ helloDescription: 'Says hello, edited' }));
    const unchanged = await bot.createRelease({ template: 'secret-echo', extraVars: { db_password: VAR_SECRET }, ...later() });
    expect(unchanged.catalogDigest).toBe(digest);
    expect((await bot.createRelease({ template: 'hello', ...later() })).catalogDigest).not.toBe(hello.catalogDigest);

    // Its own entry changed: a new digest for new releases (re-runs too), the old releases keep theirs.
    await restartApi(catalogYaml({ helloDescription: 'Says hello, edited', secretEchoTimeout: 121 }));
    const changed = await bot.createRelease({ template: 'secret-echo', extraVars: { db_password: VAR_SECRET }, ...later() });
    expect(changed.catalogDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(changed.catalogDigest).not.toBe(digest);
    const rerun = await bot.request<ReleaseJson>('POST', `/api/v1/releases/${released.id}/rerun`);
    expect(rerun.body.catalogDigest).toBe(changed.catalogDigest);
    expect((await bot.getRelease(released.id)).catalogDigest).toBe(digest);
    // The re-run starts at once (a re-run takes no schedule): it is not needed beyond its digest.
    await bot.request('POST', `/api/v1/releases/${rerun.body.id}/cancel`);
  });
});
