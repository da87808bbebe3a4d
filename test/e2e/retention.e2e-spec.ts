import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, runNode, startApi, startWorker } from '../support/processes.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { contiguousLines, progressNumbers, storedChunksSql, type StoredChunk } from '../support/stored-log.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 12, retention, with the real worker and API: settings from the environment, deletes only what they
 * say, in several batches, while a release runs (whose log stays whole and which finishes normally).
 */
describe('retention', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;

  const DEPLOY_SECONDS = 15;
  const SEEDED = 20;
  const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) => queryDb<T>(env.databaseUrl, query, params);
  const ids = async (query: string, params: unknown[] = []) => (await sql<{ id: number }>(query, params)).map((r) => Number(r.id));
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

  beforeAll(async () => {
    env = await createTestEnv('retention');
    const settings = {
      RETENTION_RELEASE_DAYS: '30',
      RETENTION_LOG_DAYS: '7',
      RETENTION_AUDIT_DAYS: '90',
      RETENTION_KEEP_PER_TEMPLATE: '1',
      RETENTION_BATCH_SIZE: '3',
      RETENTION_BATCH_PAUSE_MS: '20',
      RETENTION_INTERVAL_MS: '1000',
    };
    api = await startApi(env.env);
    worker = await startWorker({ ...env.env, ...settings });
    client = new ApiClient(api.url, env.bootstrapToken);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  it.each([
    [{ RETENTION_RELEASE_DAYS: '0' }, 'RETENTION_RELEASE_DAYS must be at least 1'],
    [{ RETENTION_RELEASE_DAYS: '7', RETENTION_LOG_DAYS: '7' }, 'RETENTION_LOG_DAYS must be lower than RETENTION_RELEASE_DAYS (7); releases older than that are deleted with their logs'],
  ])('refuses %o at start with one line naming it', async (bad, message) => {
    const { code, output } = await runNode('dist/apps/worker/main.js', { ...env.env, ...bad });
    expect(code).toBe(1);
    expect(output.trim()).toBe(`slipway-worker: invalid environment: ${message}`);
  });

  it('deletes what the settings say, in batches, while a release runs; that release keeps every line and finishes', { timeout: 360_000 }, async () => {
    // Real releases with real logs; h1 also holds an idempotency key, which must go with it.
    const h1 = await client.createRelease({ template: 'hello' }, { 'idempotency-key': 'retention-h1' });
    const h3 = await client.createRelease({ template: 'hello' });
    const h3Final = await client.waitForRelease(h3.id, ['succeeded', 'failed'], 120_000);
    for (const r of [await client.waitForRelease(h1.id, ['succeeded', 'failed'], 120_000), h3Final]) expect(r.logLines).toBeGreaterThan(0);
    const deploy = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: DEPLOY_SECONDS } });
    await client.waitForRelease(deploy.id, ['running'], 60_000);

    // Age the data. The running release looks ancient too: it must not matter.
    const setFinished = (id: number, at: Date) => sql('UPDATE releases SET created_at = ?, started_at = ?, finished_at = ? WHERE id = ?', [at, at, at, id]);
    await setFinished(h1.id, daysAgo(40));
    await setFinished(h3.id, daysAgo(10)); // past the log cutoff only: row stays, log goes
    await sql('UPDATE releases SET created_at = ?, started_at = ? WHERE id = ?', [daysAgo(60), daysAgo(60), deploy.id]);
    await sql(`UPDATE audit_entries SET at = ? WHERE target_type = 'release' AND target_id = ?`, [daysAgo(100), h1.id]);
    await sql(`UPDATE audit_entries SET at = ? WHERE target_type = 'release' AND target_id = ?`, [daysAgo(50), h3.id]);
    // RETENTION_KEEP_PER_TEMPLATE=1: h4, the newest finished `hello`, would be kept at any age; f1, the only
    // (and so the newest) finished `fail`, is kept although it is 40 days old, with its log.
    const insertFinished = async (template: string, at: Date): Promise<number> => {
      // An INSERT answers mysql2's result header, not rows.
      const result = (await sql(
        `INSERT INTO releases (template, inventory, extra_vars, lock_key, status, requested_by, created_at, started_at, finished_at, log_lines)
         VALUES (?, 'local', '{}', ?, 'failed', 'e2e', ?, ?, ?, 1)`,
        [template, `${template}:local`, at, at, at],
      )) as unknown as { insertId: number };
      const id = Number(result.insertId);
      await sql(`INSERT INTO release_log_chunks (release_id, first_seq, last_seq, content) VALUES (?, 1, 1, 'kept')`, [id]);
      return id;
    };
    const h4 = { id: await insertFinished('hello', daysAgo(1)) };
    const f1 = { id: await insertFinished('fail', daysAgo(40)) };
    // History to chew through in many batches of 3: old releases of another template, 4 chunks each.
    await sql(
      `INSERT INTO releases (template, inventory, extra_vars, lock_key, status, requested_by, created_at, started_at, finished_at, log_lines)
       SELECT 'log-flood', 'local', '{}', 'log-flood:local', 'succeeded', 'seed', ?, ?, ? - INTERVAL seq MINUTE, 40 FROM seq_1_to_${SEEDED}`,
      [daysAgo(45), daysAgo(45), daysAgo(44)],
    );
    const seeded = await ids(`SELECT id FROM releases WHERE requested_by = 'seed' ORDER BY id`);
    await sql(
      `INSERT INTO release_log_chunks (release_id, first_seq, last_seq, content)
       SELECT r.id, s.seq * 10 + 1, s.seq * 10 + 10, 'x\nx\nx\nx\nx\nx\nx\nx\nx\nx' FROM releases r JOIN seq_0_to_3 s WHERE r.requested_by = 'seed'`,
    );
    const expectedGone = [h1.id, ...seeded.slice(0, -1)]; // the newest seeded one is its template's last: kept
    const auditBefore = await ids('SELECT id FROM audit_entries ORDER BY id');
    const oldAudit = await ids('SELECT id FROM audit_entries WHERE at < ? ORDER BY id', [daysAgo(90)]);
    expect(oldAudit.length).toBeGreaterThanOrEqual(1);

    await waitFor(
      'retention to delete the old releases and the log of h3',
      async () => {
        const left = await ids('SELECT id FROM releases WHERE id IN (?)', [expectedGone]);
        const h3Chunks = await ids('SELECT release_id AS id FROM release_log_chunks WHERE release_id = ?', [h3.id]);
        const audit = await ids('SELECT id FROM audit_entries WHERE id IN (?)', [oldAudit]);
        return left.length === 0 && h3Chunks.length === 0 && audit.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // All of that happened while the deployment was still running.
    expect((await client.getRelease(deploy.id)).status).toBe('running');

    const remaining = await ids('SELECT id FROM releases ORDER BY id');
    expect(remaining).toEqual([h3.id, h4.id, f1.id, deploy.id, seeded[seeded.length - 1]].sort((a, b) => a - b));
    expect(await ids('SELECT id FROM releases WHERE log_deleted_at IS NOT NULL')).toEqual([h3.id]);
    expect((await ids('SELECT release_id AS id FROM release_log_chunks WHERE release_id = ?', [h4.id])).length).toBeGreaterThan(0);
    expect((await ids('SELECT release_id AS id FROM release_log_chunks WHERE release_id = ?', [f1.id])).length).toBeGreaterThan(0);
    expect(await ids('SELECT release_id AS id FROM release_log_chunks WHERE release_id IN (?)', [expectedGone])).toEqual([]);
    expect(await ids(`SELECT id FROM idempotency_keys WHERE idem_key = 'retention-h1'`)).toEqual([]);
    expect(await ids('SELECT id FROM audit_entries ORDER BY id')).toEqual(auditBefore.filter((id) => !oldAudit.includes(id)));
    // h3's log is gone from the API too, its row and status are not.
    expect(await client.log(h3.id)).toBe('');
    expect(await client.getRelease(h3.id)).toMatchObject({ status: h3Final.status, logLines: h3Final.logLines });

    // The worker said what it deleted, and did it in many batches of at most 3 rows.
    const runs = worker.jsonLines().filter((line) => String(line.msg).startsWith('retention deleted'));
    expect(runs.length).toBeGreaterThan(0);
    const sum = (key: string) => runs.reduce((total, line) => total + Number((line.retention as Record<string, number>)[key]), 0);
    expect(sum('releases')).toBe(expectedGone.length);
    expect(sum('logsOfReleases')).toBe(1);
    expect(sum('auditEntries')).toBe(oldAudit.length);
    expect(sum('batches')).toBeGreaterThan(Math.ceil(expectedGone.length / 3));

    // /metrics counts them, the same as the database.
    const families = parsePrometheusText(await (await fetch(`${api.url}/metrics`)).text());
    expect(sampleValue(families, 'slipway_retention_deleted_total', { kind: 'releases' })).toBe(expectedGone.length);
    expect(sampleValue(families, 'slipway_retention_deleted_total', { kind: 'audit_entries' })).toBe(oldAudit.length);
    expect(sampleValue(families, 'slipway_retention_deleted_total', { kind: 'log_chunks' })).toBe(sum('logChunks'));
    expect(sum('logChunks')).toBeGreaterThanOrEqual((SEEDED - 1) * 4 + 2);

    // The running release was never touched: it finishes normally with every line of its log, in order.
    const done = await client.waitForRelease(deploy.id, ['succeeded', 'failed', 'interrupted'], 120_000);
    expect(done.status).toBe('succeeded');
    const chunks = await sql<StoredChunk>(storedChunksSql(env.database), [deploy.id]);
    const lines = contiguousLines(chunks);
    expect(lines.length).toBe(done.logLines);
    expect(progressNumbers(lines, DEPLOY_SECONDS)).toEqual(Array.from({ length: DEPLOY_SECONDS }, (_, i) => i + 1));
    expect(await ids('SELECT id FROM releases WHERE id = ? AND log_deleted_at IS NULL', [deploy.id])).toEqual([deploy.id]);
  });
});
