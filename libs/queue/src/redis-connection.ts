import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /** API-side connections fail fast (503) instead of queueing commands while Redis is away. */
  failFast?: boolean;
  name?: string;
}

/** ioredis options, typed so BullMQ accepts them too (its retryStrategy may not return null). */
export type SlipwayRedisOptions = Omit<RedisOptions, 'retryStrategy'> & { retryStrategy: (attempt: number) => number };

/**
 * ioredis options from REDIS_URL. Reconnects forever with capped backoff (ARCHITECTURE.md: the worker keeps
 * its releases through a Redis restart). Blocking/worker connections need maxRetriesPerRequest=null.
 */
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

/** Every client made here reports its outages itself (watchRedisConnection), once each way. */
export function createRedis(redisUrl: string, options: RedisConnectionOptions = {}): Redis {
  const client = new Redis(redisOptions(redisUrl, options));
  watchRedisConnection(client, options.name ?? 'redis');
  return client;
}

/** Anything that says when its Redis connection fails, closes and is ready: an ioredis client, a BullMQ backend. */
export interface RedisConnectionEvents {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close' | 'ready', listener: () => void): unknown;
}

export interface OutageLog {
  warn(message: string): void;
  log(message: string): void;
}

/** Short code for a Redis error, e.g. "ECONNREFUSED"; never the command (it may carry data). */
export function redisErrorCode(error: unknown): string {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof e.code === 'string') return e.code;
  const message = typeof e.message === 'string' ? e.message : '';
  if (message.includes('Connection is closed')) return 'connection closed';
  if (message.includes("Stream isn't writeable")) return 'not connected';
  return typeof e.name === 'string' ? e.name : 'unknown';
}

/**
 * Logs each outage of one connection exactly twice, however many reconnect attempts it takes: when it
 * is lost (with the first error's code) and when it is back (with how long it took). ioredis emits an
 * error for every failed attempt; without this a 20 s outage is dozens of identical lines, or a stack
 * trace each when nobody listens.
 */
export function watchRedisConnection(source: RedisConnectionEvents, name: string, log: OutageLog = new Logger('Redis')): void {
  let wasReady = false;
  let lostAt: number | null = null;
  let reported = false;
  const reportLost = (code: string) => {
    if (reported) return;
    reported = true;
    log.warn(`Redis connection ${name} lost (${code}); reconnecting`);
  };
  source.on('error', (error) => {
    lostAt ??= Date.now();
    reportLost(redisErrorCode(error));
  });
  source.on('close', () => {
    // A close may be our own disconnect at shutdown: remember it, say nothing unless an error follows.
    if (wasReady) lostAt ??= Date.now();
  });
  source.on('ready', () => {
    if (lostAt !== null && reported) log.log(`Redis connection ${name} back after ${Date.now() - lostAt} ms`);
    wasReady = true;
    lostAt = null;
    reported = false;
  });
}

/** True for errors that only say the connection is down (reported by watchRedisConnection instead). */
export function isRedisConnectionError(error: unknown): boolean {
  const code = redisErrorCode(error);
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'connection closed', 'not connected'].includes(code);
}

/** What BullMQ's Queue and Worker expose: errors of their own, and their connections' events on `backend`. */
export interface BullMqConnectionOwner {
  on(event: 'error', listener: (error: Error) => void): unknown;
  backend: RedisConnectionEvents;
}

/**
 * Reports a BullMQ Queue's or Worker's connection outages once (see watchRedisConnection) and logs its
 * other errors (e.g. a job's lock lost while Redis restarted) as one line each, instead of BullMQ's
 * fallback of a console stack trace per event.
 */
export function watchBullMqConnections(owner: BullMqConnectionOwner, name: string, log: OutageLog = new Logger('Redis')): void {
  watchRedisConnection(owner.backend, name, log);
  owner.on('error', (error) => {
    if (!isRedisConnectionError(error)) log.warn(`${name}: ${error.message}`);
  });
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
