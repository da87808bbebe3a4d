import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlipwayConfig } from '@slipway/config';
import { readLiveWorkers, removeWorker, writeWorkerBeat } from '@slipway/queue';
import { ApiRedis } from '../../apps/api/src/redis/api-redis.js';
import { WorkersController } from '../../apps/api/src/workers/workers.controller.js';
import { waitFor } from '../support/wait-for.js';
import { SHARED_REDIS } from '../support/test-env.js';
import { workerEntry } from './support/worker-entry.js';

/**
 * Issue 12.1: reading the worker registry (GET /api/v1/workers, the worker series of /metrics) costs the
 * same whatever else the Redis holds. It used to SCAN the whole keyspace for the workers' keys, and a
 * Redis holding 131 000 keys made each /metrics scrape take 160 ms. Real Redis, private prefix.
 */
describe('worker registry in Redis', () => {
  const prefix = `m-reg-${randomBytes(3).toString('hex')}`;
  let redis: ApiRedis;
  const sent: string[] = [];

  beforeAll(async () => {
    redis = new ApiRedis({ queuePrefix: prefix, redisUrl: SHARED_REDIS } as SlipwayConfig);
    await redis.onModuleInit();
    // Records every command this connection sends, to count what a read costs.
    const send = redis.client.sendCommand.bind(redis.client);
    redis.client.sendCommand = (command, stream) => {
      sent.push(command.name);
      return send(command, stream);
    };
  });

  afterAll(async () => {
    if (!redis) return;
    let cursor = '0';
    do {
      const [next, keys] = await redis.client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5_000);
      cursor = next;
      if (keys.length > 0) await redis.client.unlink(...keys);
    } while (cursor !== '0');
    redis.onApplicationShutdown();
  });

  it('lists the live workers in two commands, however many other keys the Redis holds', async () => {
    // Keys a busy Redis holds beside the registry: queued jobs, other prefixes, other applications.
    const filler = redis.client.pipeline();
    for (let i = 0; i < 20_000; i++) filler.set(`${prefix}:filler:${i}`, 'x');
    await filler.exec();
    await writeWorkerBeat(redis.client, redis.keys, workerEntry('w-b', 'draining', [7]), 60_000);
    await writeWorkerBeat(redis.client, redis.keys, workerEntry('w-a', 'active'), 60_000);

    sent.length = 0;
    const workers = await new WorkersController(redis).list();

    expect(workers.map((w) => [w.id, w.state, w.releases])).toEqual([
      ['w-a', 'active', []],
      ['w-b', 'draining', [7]],
    ]);
    expect(sent).not.toContain('scan');
    expect(sent.length).toBeLessThanOrEqual(2);
  });

  it('drops a worker whose heartbeat key expired, and one that stopped cleanly at once', async () => {
    await writeWorkerBeat(redis.client, redis.keys, workerEntry('w-short', 'active'), 300);
    await writeWorkerBeat(redis.client, redis.keys, workerEntry('w-stops', 'active'), 60_000);
    const ids = async () => (await readLiveWorkers(redis.client, redis.keys)).map((w) => w.id);
    expect(await ids()).toEqual(expect.arrayContaining(['w-short', 'w-stops']));

    await removeWorker(redis.client, redis.keys, 'w-stops');
    expect(await ids()).not.toContain('w-stops');
    expect(await redis.client.zscore(redis.keys.workerIndex, 'w-stops')).toBeNull();

    await waitFor('the short heartbeat to expire', async () => !(await ids()).includes('w-short'), { timeoutMs: 10_000 });
  });

  it("prunes index members of workers that died long ago at another worker's heartbeat", async () => {
    const twoHoursAgo = Date.now() - 2 * 60 * 60 * 1_000;
    await redis.client.zadd(redis.keys.workerIndex, twoHoursAgo, 'w-died-long-ago');
    // Expired moments ago (a crash just now): kept in the index, and not listed as live.
    await redis.client.zadd(redis.keys.workerIndex, Date.now() - 1_000, 'w-died-just-now');

    await writeWorkerBeat(redis.client, redis.keys, workerEntry('w-alive', 'active'), 60_000);

    expect(await redis.client.zscore(redis.keys.workerIndex, 'w-died-long-ago')).toBeNull();
    expect(await redis.client.zscore(redis.keys.workerIndex, 'w-died-just-now')).not.toBeNull();
    const ids = (await readLiveWorkers(redis.client, redis.keys)).map((w) => w.id);
    expect(ids).toContain('w-alive');
    expect(ids).not.toContain('w-died-just-now');
  });
});
