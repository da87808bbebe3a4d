import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { PrivateRedis } from '../support/private-servers.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type StoredChunk, contiguousLines, progressNumbers, storedChunksSql } from '../support/stored-log.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 4, the Redis half: a private redis-server (no persistence, so a restart loses every key) is
 * restarted for ~10 s in the middle of a release. The release finishes, once; the API says 503 while
 * Redis is away and recovers; the worker's queue, registry and event connections all come back.
 */
describe('Redis resilience (private redis-server)', () => {
  let redis: PrivateRedis;
  let env: TestEnv;
  let api: RunningApi;
  let workers: ServiceProcess[] = [];
  let client: ApiClient;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    env = await createTestEnv('resil-redis', { redisUrl: redis.url });
    api = await startApi(env.env);
    // Two workers: whichever does not run the release is the one whose reaper must not call its owner
    // lost while the owner's registry key, wiped by the restart, waits for its next heartbeat (slow here
    // on purpose, so that the window is wide).
    const workerEnv = { ...env.env, WORKER_CONCURRENCY: '1', WORKER_HEARTBEAT_MS: '30000', WORKER_TTL_MS: '90000' };
    workers = await Promise.all([startWorker(workerEnv), startWorker(workerEnv)]);
    client = new ApiClient(api.url, env.bootstrapToken);
  });

  afterAll(async () => {
    await Promise.all([...workers.map((w) => w.stop()), api?.stop()]);
    await env?.cleanup();
    await redis?.destroy();
  });

  const allOutput = () => workers.map((w) => w.output).join('\n');

  async function releaseCount(): Promise<number> {
    const rows = await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM releases');
    return Number(rows[0]?.n);
  }

  it('5. redis-server down ~10 s in the middle of a release: it ends succeeded and ran once', async () => {
    // Long enough to keep running well past the outage, while the other worker reaps every 5 s.
    const seconds = 30;
    const created = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds } });
    const chunksSql = storedChunksSql(env.database);
    await waitFor(
      'progress 3 to be stored',
      async () => progressNumbers(contiguousLines(await queryDb<StoredChunk>(env.databaseUrl, chunksSql, [created.id])), seconds).includes(3),
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    await redis.stop();
    const downAt = Date.now();
    try {
      // While Redis is away the API refuses at once with a clear 503 and leaves no row behind.
      const rowsBefore = await releaseCount();
      const response = await fetch(`${api.url}/api/v1/releases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${env.bootstrapToken}` },
        body: JSON.stringify({ template: 'hello' }),
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { message: string }).message).toMatch(/Redis|queue/);
      expect(await releaseCount()).toBe(rowsBefore);
      const ready = await fetch(`${api.url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
      expect(ready.status).toBe(503);
      const health = (await ready.json()) as { database: string; redis: string };
      expect(health.redis).toMatch(/^down/);
      expect(health.database).toBe('up');
    } finally {
      // ~10 s down in all; the outage itself is the scenario, so it is a plain wait.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - downAt))));
      await redis.start();
    }

    const done = await client.waitForRelease(created.id, ['succeeded', 'failed', 'interrupted'], 120_000);
    expect(done.status, allOutput()).toBe('succeeded');
    expect(done.exitCode).toBe(0);
    const lines = contiguousLines(await queryDb<StoredChunk>(env.databaseUrl, chunksSql, [created.id]));
    expect(lines).toHaveLength(done.logLines);
    expect(progressNumbers(lines, seconds)).toEqual(Array.from({ length: seconds }, (_, i) => i + 1));
    expect(lines.filter((line) => line.text.startsWith('PLAY RECAP'))).toHaveLength(1);
    // Ran once, on one worker, and its status was recorded once (nobody interrupted it meanwhile).
    const messages = workers.flatMap((w) => w.jsonLines()).map((line) => (typeof line.msg === 'string' ? line.msg : ''));
    expect(messages.filter((m) => m.startsWith(`release ${created.id} started`))).toHaveLength(1);
    expect(messages.filter((m) => m === `release ${created.id} succeeded`)).toHaveLength(1);
    expect(messages.filter((m) => m.includes(`release ${created.id} interrupted`) || m.includes(`release ${created.id} was already final`))).toEqual([]);
  });

  it('after the restart the workers heart-beat, publish live events and take new releases; the API recovers', async () => {
    // Redis came back empty: the registry keys reappear only if the heartbeat connections reconnected.
    const workerKeys = `${env.queuePrefix}:worker:*`;
    await waitFor('both workers to heart-beat again', async () => (await redis.command((r) => r.keys(workerKeys))).length === 2, {
      timeoutMs: 60_000,
    });
    await waitFor('the API to be ready again', async () => (await fetch(`${api.url}/health/ready`)).status === 200, {
      timeoutMs: 30_000,
    });

    const subscriber = new Redis(redis.url);
    const events: string[] = [];
    try {
      await subscriber.psubscribe(`${env.queuePrefix}:release-events:*`);
      subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => events.push(message));
      // Accepted by the API and taken through the workers' reconnected BullMQ connections.
      const created = await Promise.all([client.createRelease({ template: 'hello' }), client.createRelease({ template: 'hello' })]);
      const done = await Promise.all(created.map((r) => client.waitForRelease(r.id, ['succeeded', 'failed', 'interrupted'], 90_000)));
      for (const release of done) expect(release.status, allOutput()).toBe('succeeded');
      // The fail-fast event publishers reconnected too: live statuses reached subscribers.
      await waitFor('the succeeded events to be published', () => events.filter((e) => e.includes('"status":"succeeded"')).length >= 2);
    } finally {
      subscriber.disconnect();
    }

    for (const worker of workers) {
      expect(worker.running).toBe(true);
      // Each Redis connection logged its loss once, with the error code, and its return once.
      const messages = worker.jsonLines().map((line) => (typeof line.msg === 'string' ? line.msg : ''));
      const lost = messages.filter((m) => /^Redis connection \S+ lost \([A-Za-z_ ]+\); reconnecting$/.test(m));
      const back = messages.filter((m) => /^Redis connection \S+ back after \d+ ms$/.test(m));
      const names = (list: string[]) => list.map((m) => m.split(' ')[2]).sort();
      expect(names(lost), worker.output).toEqual(expect.arrayContaining(['releases-worker', 'slipway-worker-events']));
      expect(new Set(names(lost)).size).toBe(lost.length);
      expect(names(back)).toEqual(names(lost));
      // No stack trace per reconnect attempt (BullMQ's fallback when nobody listens to its errors).
      expect(worker.output).not.toMatch(/^Error: connect ECONNREFUSED/m);
    }
    // The API's queue connection reports its outage the same way: once lost, once back.
    const apiMessages = api.jsonLines().map((line) => (typeof line.msg === 'string' ? line.msg : ''));
    expect(apiMessages.filter((m) => /^Redis connection releases-queue lost \([A-Za-z_ ]+\); reconnecting$/.test(m)), api.output).toHaveLength(1);
    expect(apiMessages.filter((m) => /^Redis connection releases-queue back after \d+ ms$/.test(m)), api.output).toHaveLength(1);
    expect(api.output).not.toMatch(/^Error: connect ECONNREFUSED/m);
  });
});
