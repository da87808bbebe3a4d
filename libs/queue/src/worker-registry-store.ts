import type { Redis } from 'ioredis';
import type { SlipwayKeys, WorkerRegistryEntry } from './queue.constants.js';

/**
 * An index member whose key expired this long ago is dropped by the next heartbeat of any worker. Far
 * longer than any TTL, so clocks that differ between hosts never drop a live worker from the index; a
 * member left behind by a crashed worker only costs readers one missing key in their MGET until then.
 */
const STALE_INDEX_MEMBER_MS = 60 * 60 * 1_000;

/**
 * The worker registry in Redis: each worker's entry in a key of its own that expires with its heartbeat
 * (liveness is that key, and nothing else), and an index of the worker ids beside it so that a reader
 * costs two commands, whatever else the Redis holds. A SCAN for the keys walked the whole keyspace.
 */
export async function writeWorkerBeat(redis: Redis, keys: SlipwayKeys, entry: WorkerRegistryEntry, ttlMs: number): Promise<void> {
  const now = Date.now();
  const replies = await redis
    .multi()
    .set(keys.workerKey(entry.id), JSON.stringify(entry), 'PX', ttlMs)
    .zadd(keys.workerIndex, now + ttlMs, entry.id)
    .zremrangebyscore(keys.workerIndex, '-inf', now - STALE_INDEX_MEMBER_MS)
    .exec();
  const failed = replies?.find(([error]) => error);
  if (!replies || failed) throw failed?.[0] ?? new Error('heartbeat transaction discarded');
}

/** A worker that stops cleanly leaves the registry at once instead of when its key expires. */
export async function removeWorker(redis: Redis, keys: SlipwayKeys, workerId: string): Promise<void> {
  await redis.multi().del(keys.workerKey(workerId)).zrem(keys.workerIndex, workerId).exec();
}

/** The live workers, sorted by id: index members whose key has expired are dead and left out. */
export async function readLiveWorkers(redis: Redis, keys: SlipwayKeys): Promise<WorkerRegistryEntry[]> {
  const ids = await redis.zrange(keys.workerIndex, 0, -1);
  if (ids.length === 0) return [];
  const entries = await redis.mget(...ids.map((id) => keys.workerKey(id)));
  return entries
    .filter((json): json is string => json !== null)
    .map((json) => JSON.parse(json) as WorkerRegistryEntry)
    .sort((a, b) => a.id.localeCompare(b.id));
}
