import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { PrivateRedis } from '../support/private-servers.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb, releaseIds } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/**
 * An API killed in the middle of an idempotent launch: after the release row is written, before its job
 * is queued (the private redis-server is frozen, so queueing hangs). The CI pipeline retries with the same
 * Idempotency-Key and must get that release back, never a second one, and the release must still run once.
 */
describe('idempotent launch survives an API killed mid-request', () => {
  let redis: PrivateRedis;
  let env: TestEnv;
  let api: RunningApi | undefined;
  let worker: ServiceProcess | undefined;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    env = await createTestEnv('api-idem-crash', { redisUrl: redis.url });
  });

  afterAll(async () => {
    redis?.thaw();
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    await redis?.destroy();
  });

  it('the key already names the release the dead API wrote; the retry replays it and it runs once', async () => {
    api = await startApi(env.env);
    const body = { template: 'hello', extraVars: { greeting: 'after the crash' } };
    const headers = { 'idempotency-key': 'pipeline-crash-1' };

    redis.freeze();
    const pending = new ApiClient(api.url, env.bootstrapToken).request('POST', '/api/v1/releases', body, headers).catch((error: Error) => error);
    const [releaseId] = await waitFor('the release row to be written', async () => {
      const ids = await releaseIds(env.databaseUrl);
      return ids.length > 0 ? ids : undefined;
    }, { timeoutMs: 10_000, intervalMs: 20 });
    api.signal('SIGKILL');
    await api.exited;
    await pending;

    // What the dead API left: the key points at its release (written in one transaction), no job.
    const keys = await queryDb<{ release_id: number | null }>(env.databaseUrl, "SELECT release_id FROM idempotency_keys WHERE idem_key = 'pipeline-crash-1'");
    expect(keys.map((k) => (k.release_id === null ? null : Number(k.release_id)))).toEqual([releaseId]);

    redis.thaw();
    api = await startApi(env.env);
    const client = new ApiClient(api.url, env.bootstrapToken);
    const retry = await client.request<ReleaseJson>('POST', '/api/v1/releases', body, headers);
    expect(retry.status, retry.text).toBe(200);
    expect(retry.body.id).toBe(releaseId);

    // The release never got its job; a worker's housekeeping queues it again once it is LOST_JOB_GRACE_MS
    // old (30 s by default; short here, since the test is about the re-queue, not its grace).
    worker = await startWorker({ ...env.env, LOST_JOB_GRACE_MS: '2000', HOUSEKEEPING_INTERVAL_MS: '500' });
    const done = await client.waitForRelease(releaseId, ['succeeded', 'failed', 'cancelled', 'interrupted'], 120_000);
    expect(done.status).toBe('succeeded');
    expect(await client.log(releaseId)).toContain('after the crash');
    expect(await releaseIds(env.databaseUrl)).toEqual([releaseId]);
  }, 180_000);
});
