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
  let worker: ServiceProcess;
  let client: ApiClient;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    env = await createTestEnv('resil-redis', { redisUrl: redis.url });
    api = await startApi(env.env);
    worker = await startWorker({ ...env.env, WORKER_HEARTBEAT_MS: '1000', WORKER_TTL_MS: '5000' });
    client = new ApiClient(api.url, env.bootstrapToken);
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    await redis?.destroy();
  });

  async function releaseCount(): Promise<number> {
    const rows = await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM releases');
    return Number(rows[0]?.n);
  }

  it('5. redis-server down ~10 s in the middle of a release: it ends succeeded and ran once', async () => {
    const seconds = 16;
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
    expect(done.status, worker.output).toBe('succeeded');
    expect(done.exitCode).toBe(0);
    const lines = contiguousLines(await queryDb<StoredChunk>(env.databaseUrl, chunksSql, [created.id]));
    expect(lines).toHaveLength(done.logLines);
    expect(progressNumbers(lines, seconds)).toEqual(Array.from({ length: seconds }, (_, i) => i + 1));
    expect(lines.filter((line) => line.text.startsWith('PLAY RECAP'))).toHaveLength(1);
    const messages = worker.jsonLines().map((line) => String(line.msg ?? ''));
    expect(messages.filter((m) => m.startsWith(`release ${created.id} started`))).toHaveLength(1);
    expect(messages.filter((m) => m === `release ${created.id} succeeded`)).toHaveLength(1);
  });

  it('after the restart the worker heart-beats, publishes live events and takes new releases; the API recovers', async () => {
    // Redis came back empty: the registry key reappears only if the heartbeat connection reconnected.
    const workerKey = `${env.queuePrefix}:worker:*`;
    await waitFor('the worker to heart-beat again', async () => (await redis.command((r) => r.keys(workerKey))).length === 1, {
      timeoutMs: 30_000,
    });
    await waitFor('the API to be ready again', async () => (await fetch(`${api.url}/health/ready`)).status === 200, {
      timeoutMs: 30_000,
    });

    const subscriber = new Redis(redis.url);
    const events: string[] = [];
    try {
      await subscriber.psubscribe(`${env.queuePrefix}:release-events:*`);
      subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => events.push(message));
      // Accepted by the API and taken by the worker's (reconnected) BullMQ connection.
      const created = await client.createRelease({ template: 'hello' });
      const done = await client.waitForRelease(created.id, ['succeeded', 'failed', 'interrupted'], 90_000);
      expect(done.status, worker.output).toBe('succeeded');
      // The fail-fast event publisher reconnected too: the live status reached subscribers.
      await waitFor('the succeeded event to be published', () => events.some((e) => e.includes('"status":"succeeded"')));
    } finally {
      subscriber.disconnect();
    }
    expect(worker.running).toBe(true);

    // Each Redis connection of the worker logged its loss once with the error code, and its return.
    const messages = worker.jsonLines().map((line) => String(line.msg ?? ''));
    const lost = messages.filter((m) => /^Redis connection \S+ lost \(\S+\)/.test(m));
    const back = messages.filter((m) => /^Redis connection \S+ back after \d+ ms/.test(m));
    expect(lost.length).toBeGreaterThan(0);
    expect(new Set(lost).size).toBe(lost.length);
    expect(back.length).toBe(lost.length);
  });
});
