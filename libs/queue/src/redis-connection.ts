import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /** API-side connections fail fast (503) instead of queueing commands while Redis is away. */
  failFast?: boolean;
  name?: string;
}

/**
 * ioredis options from REDIS_URL. Reconnects forever with capped backoff (ARCHITECTURE.md: the worker keeps
 * its releases through a Redis restart). Blocking/worker connections need maxRetriesPerRequest=null.
 */
/** ioredis options, typed so BullMQ accepts them too (its retryStrategy may not return null). */
export type SlipwayRedisOptions = Omit<RedisOptions, 'retryStrategy'> & { retryStrategy: (attempt: number) => number };

export function redisOptions(redisUrl: string, options: RedisConnectionOptions = {}): SlipwayRedisOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    connectionName: options.name,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000),
    maxRetriesPerRequest: options.failFast ? 1 : null,
    enableOfflineQueue: !options.failFast,
    connectTimeout: 5_000,
    lazyConnect: false,
  };
}

export function createRedis(redisUrl: string, options: RedisConnectionOptions = {}): Redis {
  return new Redis(redisOptions(redisUrl, options));
}

/** Resolves when the client is ready or after `timeoutMs` (it keeps reconnecting on its own either way). */
export function whenRedisReady(client: Redis, timeoutMs = 5_000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
    function done() {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
  });
}
