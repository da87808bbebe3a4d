import { describe, expect, it } from 'vitest';
import { type RetentionConfig, type SlipwayConfig, loadConfig } from '@slipway/config';
import type { RetentionStore } from '@slipway/releases';
import type { ReleaseEventsPublisher } from './release-events.publisher.js';
import { Retention } from './retention.js';

/** A Redis with just SET NX PX and the compare-and-delete script, shared by several "workers". */
class FakeRedis {
  readonly keys = new Map<string, string>();
  set(key: string, value: string, _px: 'PX', _ttl: number, _nx: 'NX'): Promise<'OK' | null> {
    if (this.keys.has(key)) return Promise.resolve(null);
    this.keys.set(key, value);
    return Promise.resolve('OK');
  }
  eval(_script: string, _n: number, key: string, token: string): Promise<number> {
    if (this.keys.get(key) !== token) return Promise.resolve(0);
    this.keys.delete(key);
    return Promise.resolve(1);
  }
}

/** Only audit retention is on: a run is one deleteAuditEntries call, which the test holds open. */
function fakeStore() {
  const calls: string[] = [];
  let release: (() => void) | null = null;
  const store = {
    deleteAuditEntries: async () => {
      calls.push('deleteAuditEntries');
      await new Promise<void>((resolve) => (release = resolve));
      return 0;
    },
  } as unknown as RetentionStore;
  return { store, calls, finish: () => release?.() };
}

function retention(redis: FakeRedis, store: RetentionStore, overrides: Partial<RetentionConfig> = { auditDays: 30 }) {
  const base = loadConfig({});
  const config: SlipwayConfig = { ...base, queuePrefix: 'p', retention: { ...base.retention, ...overrides } };
  return new Retention(store, { connection: redis } as unknown as ReleaseEventsPublisher, config);
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Retention (housekeeping)', () => {
  it('does nothing, not even take the lock, while every RETENTION_*_DAYS is unset (the default)', async () => {
    const redis = new FakeRedis();
    const { store, calls } = fakeStore();
    retention(redis, store, {}).maybeRun();
    await settle();
    expect(calls).toEqual([]);
    expect(redis.keys.size).toBe(0);
  });

  it('runs on one worker at a time: another worker skips while the lock is held, and the lock is freed after', async () => {
    const redis = new FakeRedis();
    const a = fakeStore();
    const b = fakeStore();
    const first = retention(redis, a.store, { auditDays: 30, intervalMs: 1_000 });
    const second = retention(redis, b.store, { auditDays: 30, intervalMs: 1_000 });
    first.maybeRun();
    await settle();
    second.maybeRun();
    await settle();
    expect(a.calls).toEqual(['deleteAuditEntries']);
    expect(b.calls).toEqual([]);
    first.maybeRun(); // still running here: not started twice
    await settle();
    expect(a.calls).toHaveLength(1);
    a.finish();
    await first.beforeApplicationShutdown();
    expect(redis.keys.size).toBe(0);
  });

  it('at shutdown, a run stops before its next batch and shutdown waits for it', async () => {
    const redis = new FakeRedis();
    const { store, calls, finish } = fakeStore();
    const service = retention(redis, store);
    service.maybeRun();
    await settle();
    let done = false;
    const stopping = service.beforeApplicationShutdown().then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    finish();
    await stopping;
    service.maybeRun();
    await settle();
    expect(calls).toEqual(['deleteAuditEntries']);
  });
});
