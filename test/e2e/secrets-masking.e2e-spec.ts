import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { dumpDatabase } from '../support/db-dump.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { readSse } from '../support/sse-client.js';
import { expectLogMaskedEverywhere } from '../support/masked-everywhere.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb, releaseIds } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';

// Unique per run, with a quote, a backslash, non-ASCII and a YAML-special ": " so every escaping is tried.
const DB_PASSWORD = `db-Pa55"w\\rd-é: ${randomBytes(6).toString('hex')}`;
const CATALOG_DEFAULT_TOKEN = `catalog-default-token-${randomBytes(6).toString('hex')}`;
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** Every form the secrets could be written in by something that forgot to mask. */
function forms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [secret, json, JSON.stringify(json).slice(1, -1), secret.replace(/'/g, "''"), secret.slice(-12) /* the random part alone */];
}
function expectNoSecret(text: string, where: string): void {
  for (const secret of [DB_PASSWORD, CATALOG_DEFAULT_TOKEN]) {
    for (const form of forms(secret)) {
      if (text.includes(form)) throw new Error(`${where} contains a secret (form ${JSON.stringify(form)})`);
    }
  }
}

function catalogYaml(withSecretTemplate: boolean): string {
  const playbooks = resolve(REPO_ROOT, 'examples/playbooks');
  return [
    `project: ${playbooks}`,
    'inventories:',
    '  local: inventories/local.ini',
    'templates:',
    '  hello:',
    '    playbook: hello.yml',
    ...(withSecretTemplate
      ? [
          '  secret-echo:',
          '    playbook: secret-echo.yml',
          '    timeout: 120',
          `    extraVars: { api_token: "${CATALOG_DEFAULT_TOKEN}", pause_seconds: 1 }`,
          '    secretVars: [db_password, api_token]',
        ]
      : []),
    '',
  ].join('\n');
}

describe('secret vars: masked everywhere, stored only encrypted', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let admin: ApiClient;
  let bot: ApiClient;
  let dir: string;
  let catalogFile: string;
  let apiOutputs = '';
  let released: ReleaseJson;

  beforeAll(async () => {
    env = await createTestEnv('secrets-mask');
    dir = mkdtempSync(join(tmpdir(), 'slipway-secrets-test-'));
    catalogFile = join(dir, 'catalog.yml');
    writeFileSync(catalogFile, catalogYaml(true));
    env.env.SLIPWAY_CATALOG = catalogFile;
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    admin = new ApiClient(api.url, env.bootstrapToken);
    bot = new ApiClient(api.url, await createToken(admin, 'secret-bot', 'deployer'));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a secret printed by the playbook (given and catalog default) is ******** in GET /log, SSE, download and stored chunks', async () => {
    released = await bot.createRelease({ template: 'secret-echo', extraVars: { db_password: DB_PASSWORD } });
    const stream = await readSse(`${api.url}/api/v1/releases/${released.id}/events`, {
      headers: { authorization: `Bearer ${bot.token}` },
      timeoutMs: 120_000,
    });
    const done = await bot.waitForRelease(released.id, ['succeeded', 'failed'], 120_000);
    const log = await bot.log(released.id);
    expect(done.status, log).toBe('succeeded');

    // ansible got the real values (not "********"), proven by their hashes…
    expect(log).toContain(`sha1 db_password=${sha1(DB_PASSWORD)} api_token=${sha1(CATALOG_DEFAULT_TOKEN)}`);
    // …and every place they were printed shows the mask.
    expect(log).toMatch(/db_password: '\*{8}'/);
    expect(log).toMatch(/api_token: \*{8}/);
    expect(log).toContain('and plain ********');
    expectNoSecret(log, 'GET /log');

    await expectLogMaskedEverywhere({ client: bot, env, releaseId: released.id, stream, expectNoSecret });

    expect(released.extraVars).toMatchObject({ db_password: '********', api_token: '********' });
    expect([...(released.secretVars as string[])].sort()).toEqual(['api_token', 'db_password']);
  });

  it('no column of any table holds a secret in clear; the release keeps them as a versioned ciphertext', async () => {
    expectNoSecret(await dumpDatabase(env.databaseUrl, env.database), 'the database');
    const [row] = await queryDb<{ extra_vars: Record<string, unknown>; secret_values: string }>(
      env.databaseUrl,
      'SELECT extra_vars, secret_vars, secret_values FROM releases WHERE id = ?',
      [released.id],
    );
    expect(row.secret_values).toMatch(/^slipway:v1:[0-9a-f]{8}:/);
    // mysql2 parses JSON columns.
    expect(row.extra_vars).toMatchObject({ db_password: '********', api_token: '********' });
  });

  it('the audit entry masks them; a rerun reuses the encrypted values (the playbook gets them again)', async () => {
    const audit = await admin.request<{ items: { action: string; details: Record<string, unknown> }[] }>('GET', `/api/v1/audit?targetType=release&targetId=${released.id}`);
    expect(audit.body.items[0]).toMatchObject({ action: 'release.create', details: { extraVars: { db_password: '********' } } });
    expectNoSecret(audit.text, 'the audit');

    const rerun = await bot.request<ReleaseJson>('POST', `/api/v1/releases/${released.id}/rerun`);
    expect(rerun.status, rerun.text).toBe(201);
    const done = await bot.waitForRelease(rerun.body.id, ['succeeded', 'failed'], 120_000);
    const log = await bot.log(rerun.body.id);
    expect(done.status, log).toBe('succeeded');
    expect(log).toContain(`sha1 db_password=${sha1(DB_PASSWORD)}`);
    expectNoSecret(log, 'the rerun log');
    const [a, b] = await queryDb<{ secret_values: string }>(env.databaseUrl, 'SELECT secret_values FROM releases WHERE id IN (?, ?) ORDER BY id', [released.id, rerun.body.id]);
    expect(a.secret_values).not.toBe(b.secret_values); // encrypted again, with a fresh IV
  });

  it("a rerun by someone else never receives the original requester's secret: refused naming it, unless given again", async () => {
    const adminsRelease = await admin.createRelease({ template: 'secret-echo', extraVars: { db_password: DB_PASSWORD } });
    const before = await releaseIds(env.databaseUrl);
    const refused = await bot.request<{ errors: { field: string; message: string }[] }>('POST', `/api/v1/releases/${adminsRelease.id}/rerun`);
    expect(refused.status, refused.text).toBe(400);
    // Only the value the admin gave; the catalog's default (api_token) is the catalog's, not the admin's.
    expect(refused.body.errors).toEqual([{ field: 'extraVars.db_password', message: expect.stringContaining('give it again') }]);
    expectNoSecret(refused.text, 'the refusal');
    expect(await releaseIds(env.databaseUrl)).toEqual(before);

    // Given again, the rerun runs with the deployer's own value.
    const own = `deployer-own-${randomBytes(6).toString('hex')}`;
    const rerun = await bot.request<ReleaseJson>('POST', `/api/v1/releases/${adminsRelease.id}/rerun`, { extraVars: { db_password: own } });
    expect(rerun.status, rerun.text).toBe(201);
    expect(rerun.body).toMatchObject({ rerunOf: adminsRelease.id, requestedBy: 'secret-bot' });
    const done = await bot.waitForRelease(rerun.body.id, ['succeeded', 'failed'], 120_000);
    const log = await bot.log(rerun.body.id);
    expect(done.status, log).toBe('succeeded');
    expect(log).toContain(`sha1 db_password=${sha1(own)} api_token=${sha1(CATALOG_DEFAULT_TOKEN)}`);
    expect(log).not.toContain(sha1(DB_PASSWORD));

    // Only secret vars may be given again; anything else in a rerun body is a 400 naming it.
    const other = await bot.request<{ errors: { field: string }[] }>('POST', `/api/v1/releases/${adminsRelease.id}/rerun`, { extraVars: { pause_seconds: 2 } });
    expect(other.status, other.text).toBe(400);
    expect(other.body.errors.map((e) => e.field)).toContain('extraVars.pause_seconds');
    await admin.waitForRelease(adminsRelease.id, ['succeeded', 'failed'], 120_000);
  });

  it('a failed insert does not log the secret (nor its SQL parameters)', async () => {
    // A trigger makes the INSERT itself fail, as a full disk or a too-long value would.
    await queryDb(env.databaseUrl, `CREATE TRIGGER refuse_releases BEFORE INSERT ON releases FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'forced by the test'`);
    try {
      const before = await releaseIds(env.databaseUrl);
      const response = await bot.request('POST', '/api/v1/releases', { template: 'secret-echo', extraVars: { db_password: DB_PASSWORD } });
      expect(response.status).toBe(500);
      expectNoSecret(response.text, 'the 500 answer');
      expect(await releaseIds(env.databaseUrl)).toEqual(before);
      // The error itself is logged… (the line reaches the pipe on its own time, maybe after the answer)
      const errorLine = await waitFor("the API's HttpErrors log line", () => api.jsonLines().find((l) => l.context === 'HttpErrors'));
      expect(JSON.stringify(errorLine)).toContain('forced by the test');
    } finally {
      await queryDb(env.databaseUrl, 'DROP TRIGGER IF EXISTS refuse_releases');
    }
    expectNoSecret(api.output, "the API's own log"); // …without the parameters
    expectNoSecret(worker.output, "the worker's own log");
  });

  it('an API without SLIPWAY_SECRET_KEY refuses a release with secret values (503 naming it) and stores nothing', async () => {
    apiOutputs += api.output;
    await api.stop();
    const { SLIPWAY_SECRET_KEY: _key, ...withoutKey } = env.env;
    api = await startApi({ ...withoutKey, PORT: new URL(api.url).port });
    const before = await releaseIds(env.databaseUrl);
    const response = await bot.request<{ message: string }>('POST', '/api/v1/releases', { template: 'secret-echo', extraVars: { db_password: DB_PASSWORD } });
    expect(response.status).toBe(503);
    expect(response.body.message).toContain('SLIPWAY_SECRET_KEY');
    expect(await releaseIds(env.databaseUrl)).toEqual(before);
    expect(api.output).toContain('SLIPWAY_SECRET_KEY is not set');
    // A re-run needs the stored values: refused, naming the key, instead of running with "********".
    const rerun = await bot.request<{ message: string }>('POST', `/api/v1/releases/${released.id}/rerun`);
    expect(rerun.status).toBe(409);
    expect(rerun.body.message).toContain('SLIPWAY_SECRET_KEY is not set');
    expect(await releaseIds(env.databaseUrl)).toEqual(before);
    // Releases without secrets still work.
    expect((await bot.createRelease({ template: 'hello' })).status).toBe('queued');
  });

  it('a worker without SLIPWAY_SECRET_KEY fails a release with secret values, naming the key, without running ansible', async () => {
    apiOutputs += api.output;
    await Promise.all([api.stop(), worker.stop()]);
    const { SLIPWAY_SECRET_KEY: _key, ...withoutKey } = env.env;
    api = await startApi({ ...env.env, PORT: new URL(api.url).port });
    worker = await startWorker(withoutKey);
    const created = await bot.createRelease({ template: 'secret-echo', extraVars: { db_password: DB_PASSWORD } });
    const done = await bot.waitForRelease(created.id, ['succeeded', 'failed'], 60_000);
    expect(done.status).toBe('failed');
    expect(done.reason).toContain('SLIPWAY_SECRET_KEY is not set');
    expect(worker.jsonLines().some((l) => l.releaseId === created.id && typeof l.ansiblePid === 'number')).toBe(false);
  });

  it('with the template gone from the catalog and the API restarted, the release stays masked', async () => {
    apiOutputs += api.output;
    await api.stop();
    writeFileSync(catalogFile, catalogYaml(false));
    api = await startApi({ ...env.env, PORT: new URL(api.url).port });
    const view = await bot.getRelease(released.id);
    expect(view.extraVars).toMatchObject({ db_password: '********', api_token: '********' });
    expect([...(view.secretVars as string[])].sort()).toEqual(['api_token', 'db_password']);
    const list = await bot.request('GET', '/api/v1/releases?template=secret-echo');
    expect(list.text).toContain('********');
    expectNoSecret(list.text, 'the release list');
    expectNoSecret(await bot.log(released.id), 'the log after the catalog change');
    expectNoSecret((await admin.request('GET', '/api/v1/audit')).text, 'the audit after the catalog change');
    expectNoSecret(apiOutputs + api.output, "the API's own log");
    expect(readFileSync(catalogFile, 'utf8')).not.toContain('secret-echo');
  });
});
