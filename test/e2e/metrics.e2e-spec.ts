import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type PromFamily, parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { type TestEnv, createTestEnv, freePort, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/** Issue 7: GET /metrics on the API (cluster figures from DB/Redis) and the worker's own port. */
describe('prometheus metrics', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let workerMetricsUrl: string;
  let client: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('metrics');
    api = await startApi(env.env);
    const workerPort = await freePort();
    workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
    worker = await startWorker({ ...env.env, WORKER_METRICS_PORT: String(workerPort) });
    client = new ApiClient(api.url, env.bootstrapToken);
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  /** Scraped without a token: /metrics is open like /health. */
  async function scrape(url = `${api.url}/metrics`): Promise<Map<string, PromFamily>> {
    const response = await fetch(url);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    return parsePrometheusText(text);
  }

  const value = (families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}) =>
    sampleValue(families, name, labels) ?? 0;

  /** The finite upper bounds of a histogram's buckets, as the exposition lists them. */
  const bucketBounds = (families: Map<string, PromFamily>, name: string): number[] => {
    const bounds = new Set<number>();
    for (const sample of families.get(name)?.samples ?? []) {
      if (sample.name === `${name}_bucket` && sample.labels.le !== undefined && sample.labels.le !== '+Inf') bounds.add(Number(sample.labels.le));
    }
    return [...bounds];
  };

  it('parses as Prometheus text and names every figure of the issue', async () => {
    const families = await scrape();
    for (const name of [
      'slipway_releases_created_total',
      'slipway_releases_finished_total',
      'slipway_release_duration_seconds',
      'slipway_queue_jobs',
      'slipway_releases_waiting_on_lock',
      'slipway_workers',
      'slipway_releases_in_flight',
      'slipway_log_lines_stored_total',
      'slipway_releases_events_incomplete',
      'slipway_db_connections_opened_total',
      'slipway_db_retried_units_total',
      'slipway_redis_reconnects_total',
      'slipway_http_request_duration_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(families.has(name), name).toBe(true);
    }
    expect(families.get('slipway_release_duration_seconds')?.type).toBe('histogram');
    expect(families.get('slipway_releases_created_total')?.type).toBe('counter');
    expect(sampleValue(families, 'slipway_workers', { state: 'active' })).toBe(1);
    expect(sampleValue(families, 'slipway_workers', { state: 'draining' })).toBe(0);
    expect(sampleValue(families, 'slipway_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(sampleValue(families, 'slipway_metrics_source_up', { source: 'database' })).toBe(1);
    expect(sampleValue(families, 'slipway_metrics_source_up', { source: 'redis' })).toBe(1);
  });

  it('hello moves created and succeeded by one, observes its duration and counts its log lines', async () => {
    const before = await scrape();
    const created = await client.createRelease({ template: 'hello' });
    const done = await client.waitForRelease(created.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(delta('slipway_releases_created_total', { template: 'hello' })).toBe(1);
    expect(delta('slipway_releases_finished_total', { template: 'hello', status: 'succeeded' })).toBe(1);
    expect(delta('slipway_releases_finished_total', { template: 'hello', status: 'failed' })).toBe(0);
    expect(delta('slipway_release_duration_seconds_count', { template: 'hello' })).toBe(1);
    const seconds = (new Date(done.finishedAt!).getTime() - new Date(done.startedAt!).getTime()) / 1000;
    expect(delta('slipway_release_duration_seconds_sum', { template: 'hello' })).toBeCloseTo(seconds, 2);
    // hello pauses a second, so it never lands at or below 0.5 s; how long it took beyond that depends on
    // the machine's load, so every bucket is checked against the measured duration rather than a fixed one.
    expect(delta('slipway_release_duration_seconds_bucket', { template: 'hello', le: '0.5' })).toBe(0);
    expect(delta('slipway_release_duration_seconds_bucket', { template: 'hello', le: '+Inf' })).toBe(1);
    const bounds = bucketBounds(after, 'slipway_release_duration_seconds');
    expect(bounds.length).toBeGreaterThan(1);
    for (const le of bounds) {
      const landed = delta('slipway_release_duration_seconds_bucket', { template: 'hello', le: String(le) });
      // Within 10 ms of a bound the stored and the API's rounding of the timestamps may disagree.
      if (Math.abs(seconds - le) <= 0.01) expect([0, 1], `le=${le}, took ${seconds} s`).toContain(landed);
      else expect(landed, `le=${le}, took ${seconds} s`).toBe(seconds < le ? 1 : 0);
    }
    expect(delta('slipway_log_lines_stored_total', {})).toBe(done.logLines);
    expect(value(after, 'slipway_releases_in_flight')).toBe(0);
    expect(done.events).toMatchObject({ state: 'complete' });
    expect(delta('slipway_releases_events_incomplete', {})).toBe(0);
    // The figure is the database's, whichever worker finished the release: its stats taken away, it counts.
    await queryDb(env.databaseUrl, 'UPDATE releases SET events_complete = 0 WHERE id = ?', [created.id]);
    expect(value(await scrape(), 'slipway_releases_events_incomplete') - value(before, 'slipway_releases_events_incomplete', {})).toBe(1);
    await queryDb(env.databaseUrl, 'UPDATE releases SET events_complete = 1 WHERE id = ?', [created.id]);
    expect(value(after, 'slipway_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/releases', status_code: '201' })).toBeGreaterThanOrEqual(1);
    expect(value(after, 'slipway_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/releases/:id', status_code: '200' })).toBeGreaterThanOrEqual(1);
  });

  it('shows a release in flight and the next one of the same lock waiting on it', async () => {
    const first = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 4 } });
    await client.waitForRelease(first.id, ['running']);
    const second = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 1 } });
    const during = await waitFor(
      'the second deploy-sim to wait on the lock',
      async () => {
        const families = await scrape();
        return value(families, 'slipway_releases_waiting_on_lock') === 1 ? families : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(value(during, 'slipway_releases_in_flight')).toBe(1);
    expect(value(during, 'slipway_releases_queued')).toBe(1);
    await client.waitForRelease(second.id, ['succeeded', 'failed'], 60_000);
    const after = await scrape();
    expect(value(after, 'slipway_releases_waiting_on_lock')).toBe(0);
    expect(value(after, 'slipway_releases_finished_total', { template: 'deploy-sim', status: 'succeeded' })).toBe(2);
  });

  it('the worker serves its own process figures on WORKER_METRICS_PORT', async () => {
    const families = await scrape(workerMetricsUrl);
    expect(sampleValue(families, 'slipway_worker_releases_in_flight')).toBe(0);
    expect(sampleValue(families, 'slipway_worker_concurrency')).toBe(2);
    expect(value(families, 'slipway_db_connections_opened_total')).toBeGreaterThanOrEqual(1);
    const rss = families.get('process_resident_memory_bytes')?.samples[0];
    expect(rss?.labels.service).toBe('slipway-worker');
    expect(rss?.value).toBeGreaterThan(0);
    // Cluster figures are the API's alone: a worker never reports them twice.
    expect(families.has('slipway_releases_created_total')).toBe(false);
  });
});
