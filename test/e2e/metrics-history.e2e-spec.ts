import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type PromFamily, parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';

/**
 * Issue 12: the cluster figures of /metrics are counters the database keeps with each release's change.
 * Whichever of two API processes answers, before and after one restarts, and after old releases are
 * deleted (what retention does), they equal a direct count of what happened, made here in SQL.
 */
/** Two APIs and a worker start at once on a machine shared with other suites. */
const API_START_MS = 180_000;

describe('cluster metrics flat in history', () => {
  let env: TestEnv;
  let apis: RunningApi[] = [];
  let worker: ServiceProcess;
  let client: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('metrics-history');
    apis = [await startApi(env.env, API_START_MS), await startApi(env.env, API_START_MS)];
    worker = await startWorker(env.env);
    client = new ApiClient(apis[0].url, env.bootstrapToken);
  }, 2 * API_START_MS);

  afterAll(async () => {
    await Promise.all([worker?.stop(), ...apis.map((api) => api.stop())]);
    await env?.cleanup();
  });

  async function scrape(api: RunningApi): Promise<Map<string, PromFamily>> {
    const response = await fetch(`${api.url}/metrics`);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return parsePrometheusText(text);
  }

  const sql = <T>(query: string) => queryDb<T>(env.databaseUrl, query);

  /** The figures as the releases table says them, counted in SQL. */
  async function countedInSql() {
    const created = await sql<{ template: string; n: number }>('SELECT template, COUNT(*) AS n FROM releases GROUP BY template');
    const finished = await sql<{ template: string; status: string; n: number }>(
      `SELECT template, status, COUNT(*) AS n FROM releases WHERE status IN ('succeeded', 'failed', 'cancelled', 'interrupted') GROUP BY template, status`,
    );
    const ran = await sql<{ template: string; n: number; seconds: number; fast: number }>(
      `SELECT template, COUNT(*) AS n, SUM(TIMESTAMPDIFF(MICROSECOND, started_at, finished_at)) / 1000000 AS seconds,
              SUM(TIMESTAMPDIFF(MICROSECOND, started_at, finished_at) <= 10000000) AS fast
         FROM releases WHERE finished_at IS NOT NULL AND started_at IS NOT NULL GROUP BY template`,
    );
    const lines = await sql<{ n: number }>('SELECT COALESCE(SUM(log_lines), 0) AS n FROM releases');
    return { created, finished, ran, logLines: Number(lines[0]?.n ?? 0) };
  }

  async function expectMetricsEqual(families: Map<string, PromFamily>, counted: Awaited<ReturnType<typeof countedInSql>>) {
    for (const row of counted.created) {
      expect(sampleValue(families, 'slipway_releases_created_total', { template: row.template }), `created ${row.template}`).toBe(Number(row.n));
    }
    for (const row of counted.finished) {
      expect(sampleValue(families, 'slipway_releases_finished_total', { template: row.template, status: row.status }), `${row.template} ${row.status}`).toBe(Number(row.n));
    }
    expect(families.get('slipway_releases_finished_total')?.samples.length).toBe(counted.finished.length);
    for (const row of counted.ran) {
      expect(sampleValue(families, 'slipway_release_duration_seconds_count', { template: row.template })).toBe(Number(row.n));
      expect(sampleValue(families, 'slipway_release_duration_seconds_sum', { template: row.template })).toBeCloseTo(Number(row.seconds), 2);
      expect(sampleValue(families, 'slipway_release_duration_seconds_bucket', { template: row.template, le: '10' })).toBe(Number(row.fast));
    }
    expect(sampleValue(families, 'slipway_log_lines_stored_total')).toBe(counted.logLines);
  }

  it('both API processes answer the counts of the table, through a restart and after old releases are deleted', { timeout: 600_000 }, async () => {
    const clients = apis.map((api) => new ApiClient(api.url, env.bootstrapToken));
    // Spread over both APIs: hello succeeds, fail fails, a scheduled release is cancelled while queued.
    const launched = await Promise.all([
      clients[0].createRelease({ template: 'hello' }),
      clients[1].createRelease({ template: 'hello' }),
      clients[1].createRelease({ template: 'fail' }),
      clients[0].createRelease({ template: 'fail' }),
    ]);
    const scheduled = await clients[1].createRelease({ template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await clients[0].request('POST', `/api/v1/releases/${scheduled.id}/cancel`)).status).toBe(200);
    for (const r of launched) await client.waitForRelease(r.id, ['succeeded', 'failed'], 120_000);

    const counted = await countedInSql();
    // (hello normally succeeds; on a loaded machine it may fail: the figures must match the table either way.)
    expect(counted.finished.reduce((sum, r) => sum + Number(r.n), 0)).toBe(5);
    expect(counted.finished.map((r) => `${r.template} ${r.status} ${r.n}`)).toContain('hello cancelled 1');
    for (const api of apis) await expectMetricsEqual(await scrape(api), counted);

    // A restart of one API: the figures live in the database, not in the process.
    const port = new URL(apis[0].url).port;
    await apis[0].stop();
    apis[0] = await startApi({ ...env.env, PORT: port }, API_START_MS);
    for (const api of apis) await expectMetricsEqual(await scrape(api), counted);

    // What retention does: old finished releases deleted. The counters stay (Prometheus counters never go down).
    await sql(`DELETE FROM releases WHERE status IN ('succeeded', 'failed', 'cancelled')`);
    expect(Number((await sql<{ n: number }>('SELECT COUNT(*) AS n FROM releases'))[0].n)).toBe(0);
    for (const api of apis) await expectMetricsEqual(await scrape(api), counted);

    // And they go on counting from there.
    const more = await clients[1].createRelease({ template: 'fail' });
    await client.waitForRelease(more.id, ['succeeded', 'failed'], 120_000);
    const families = await scrape(apis[0]);
    const failedBefore = Number(counted.finished.find((r) => r.template === 'fail' && r.status === 'failed')?.n ?? 0);
    expect(sampleValue(families, 'slipway_releases_created_total', { template: 'fail' })).toBe(3);
    expect(sampleValue(families, 'slipway_releases_finished_total', { template: 'fail', status: 'failed' })).toBe(failedBefore + 1);
  });
});
