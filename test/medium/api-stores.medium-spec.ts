import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlipwayConfig } from '@slipway/config';
import { RELEASES_QUEUE, removeWorker, writeWorkerBeat } from '@slipway/queue';
import { type NewRelease, ReleaseStore } from '@slipway/releases';
import { AuditService } from '../../apps/api/src/audit/audit.service.js';
import { SessionStore } from '../../apps/api/src/auth/session.store.js';
import { QueueSummaryReader } from '../../apps/api/src/dashboard/queue-summary.reader.js';
import { ClusterSnapshotReader } from '../../apps/api/src/metrics/cluster-snapshot.reader.js';
import { ApiRedis } from '../../apps/api/src/redis/api-redis.js';
import { IdempotencyStore } from '../../apps/api/src/releases/idempotency.store.js';
import { DuplicateTokenNameError, TokenStore } from '../../apps/api/src/tokens/token.store.js';
import { SHARED_REDIS } from '../support/test-env.js';
import { type MediumDb, ReplyLosingUnitOfWork, createMediumDb } from './support/medium-db.js';
import { newRelease } from './support/new-release.js';
import { workerEntry } from './support/worker-entry.js';

let db: MediumDb;
let releases: ReleaseStore;

beforeAll(async () => {
  db = await createMediumDb('api_stores');
  releases = new ReleaseStore(db.uow);
});
afterAll(() => db?.drop());

const hash = () => randomBytes(32).toString('hex');

const release = (overrides: Partial<NewRelease> = {}) =>
  newRelease({ lockKey: `k:${randomBytes(4).toString('hex')}`, ...overrides });

describe('TokenStore', () => {
  it('creates, finds by hash, refuses a second live token of one name, and revokes once', async () => {
    const tokens = new TokenStore(db.uow);
    const findToken = async (h: string) => (await tokens.findActiveByHashes([h])).get(h) ?? null;
    const tokenHash = hash();
    const created = await tokens.create({ name: 'ci', role: 'deployer', tokenHash, createdBy: 'admin' });
    expect(await findToken(tokenHash)).toMatchObject({ id: created.id, name: 'ci', role: 'deployer' });
    await expect(tokens.create({ name: 'ci', role: 'viewer', tokenHash: hash(), createdBy: 'admin' })).rejects.toBeInstanceOf(
      DuplicateTokenNameError,
    );
    expect(await tokens.revoke(created.id, 'admin')).toBe(true);
    expect(await tokens.revoke(created.id, 'admin')).toBe(false);
    expect(await findToken(tokenHash)).toBeNull();
    // The name is free again once revoked.
    await tokens.create({ name: 'ci', role: 'viewer', tokenHash: hash(), createdBy: 'admin' });
  });

  it('a create retried after its COMMIT reply was lost returns the token, not "name already exists"', async () => {
    const losing = new ReplyLosingUnitOfWork(db.uow);
    const tokens = new TokenStore(losing);
    losing.loseReplyAfterCommit('create token');
    const created = await tokens.create({ name: 'retried', role: 'viewer', tokenHash: hash(), createdBy: 'admin' });
    expect(losing.attempts.get('create token')).toBe(2);
    const rows = await db.query<{ id: number }>(`SELECT id FROM api_tokens WHERE name = 'retried'`);
    expect(rows.map((r) => Number(r.id))).toEqual([created.id]);
  });
});

describe('AuditService', () => {
  it('records and lists newest first with filters', async () => {
    const audit = new AuditService(db.uow);
    await audit.record('alice', 'release.create', { type: 'release', id: 901 }, { template: 'hello' });
    await audit.record('bob', 'release.cancel', { type: 'release', id: 901 });
    await audit.record('alice', 'token.create', { type: 'token', id: 5 });
    const all = await audit.list({ targetType: 'release', targetId: 901, limit: 10 });
    expect(all.items.map((e) => [e.actor, e.action])).toEqual([
      ['bob', 'release.cancel'],
      ['alice', 'release.create'],
    ]);
    expect(all.items[1].details).toEqual({ template: 'hello' });
    expect(JSON.parse(JSON.stringify(all.items[1]))).not.toHaveProperty('requestId'); // internal to the retry, not shown by the API
    const first = await audit.list({ actor: 'alice', limit: 1 });
    expect(first).toMatchObject({ more: true, prevAfter: null });
    expect(first.items.map((e) => e.action)).toEqual(['token.create']);
    const second = await audit.list({ actor: 'alice', limit: 1, before: first.nextBefore! });
    expect(second).toMatchObject({ more: false, nextBefore: null, prevAfter: second.items[0].id });
    expect(second.items.map((e) => e.action)).toEqual(['release.create']);
    const back = await audit.list({ actor: 'alice', limit: 1, after: second.prevAfter! });
    expect(back.items.map((e) => e.action)).toEqual(['token.create']);
    expect(back).toMatchObject({ prevAfter: null, more: true, nextBefore: back.items[0].id });
  });

  it('an audit write retried after its COMMIT reply was lost is recorded once', async () => {
    const losing = new ReplyLosingUnitOfWork(db.uow);
    const audit = new AuditService(losing);
    losing.loseReplyAfterCommit('write audit entry');
    await audit.record('carol', 'token.revoke', { type: 'token', id: 77 });
    expect(losing.attempts.get('write audit entry')).toBe(2);
    const rows = await db.query(`SELECT id FROM audit_entries WHERE actor = 'carol'`);
    expect(rows).toHaveLength(1);
  });
});

describe('SessionStore', () => {
  it('finds a live session, not an expired one, and not one whose token was revoked', async () => {
    const sessions = new SessionStore(db.uow);
    const findSession = async (idHash: string) => (await sessions.findMany([idHash])).get(idHash) ?? null;
    const tokens = new TokenStore(db.uow);
    const token = await tokens.create({ name: 'dash', role: 'admin', tokenHash: hash(), createdBy: 'admin' });
    const live = hash();
    await sessions.create(live, { name: 'dash', role: 'admin', tokenId: token.id, bootstrapFingerprint: null });
    expect(await findSession(live)).toEqual({ name: 'dash', role: 'admin', tokenId: token.id, bootstrapFingerprint: null });
    const bootstrap = hash();
    await sessions.create(bootstrap, { name: 'bootstrap', role: 'admin', tokenId: null, bootstrapFingerprint: 'fp' });
    const expired = hash();
    await sessions.create(expired, { name: 'dash', role: 'admin', tokenId: token.id, bootstrapFingerprint: null });
    await db.query('UPDATE api_sessions SET expires_at = ? WHERE id_hash = ?', [new Date(Date.now() - 1_000), expired]);
    expect(await findSession(expired)).toBeNull();
    // A retried create of the same session is harmless.
    await sessions.create(live, { name: 'dash', role: 'admin', tokenId: token.id, bootstrapFingerprint: null });
    await tokens.revoke(token.id, 'admin');
    expect(await findSession(live)).toBeNull();
    expect(await findSession(bootstrap)).toEqual({ name: 'bootstrap', role: 'admin', tokenId: null, bootstrapFingerprint: 'fp' });
    await sessions.delete(bootstrap);
    expect(await findSession(bootstrap)).toBeNull();
  });
});

describe('IdempotencyStore', () => {
  it('one claim wins among concurrent ones; the others read the winner', async () => {
    const keys = new IdempotencyStore(db.uow);
    const claims = await Promise.all(Array.from({ length: 8 }, () => keys.claim('ci', 'key-1', 'h1')));
    const winners = claims.filter((c) => c.claimed);
    expect(winners).toHaveLength(1);
    const winnerId = winners[0].claimed ? winners[0].id : -1;
    for (const c of claims) if (!c.claimed) expect(c.existing?.id).toBe(winnerId);
    // Scoped per caller.
    expect((await keys.claim('other', 'key-1', 'h1')).claimed).toBe(true);
  });

  it('a claim retried after its COMMIT reply was lost gets its own row back, and the release attaches to it', async () => {
    const losing = new ReplyLosingUnitOfWork(db.uow);
    const keys = new IdempotencyStore(losing);
    losing.loseReplyAfterCommit('claim idempotency key');
    const claim = await keys.claim('ci', 'key-lost', 'h2');
    // The retry finds the row it inserted and knows it as its own claim (not someone else's request that
    // it would wait on and then answer 409 "still being processed").
    expect(losing.attempts.get('claim idempotency key')).toBe(2);
    if (!claim.claimed) throw new Error('the retried claim did not recognise its own row');
    const created = await releases.create(release(), claim.id);
    const rows = await db.query<{ release_id: number }>(`SELECT release_id FROM idempotency_keys WHERE idem_key = 'key-lost'`);
    expect(rows.map((r) => Number(r.release_id))).toEqual([created.id]);
  });

  it('removeStale drops only the row it looked at; purgeExpired only old ones', async () => {
    const keys = new IdempotencyStore(db.uow);
    const first = await keys.claim('ci', 'stale', 'h');
    if (!first.claimed) throw new Error('expected a claim');
    const seen = await keys.claim('ci', 'stale', 'h');
    if (seen.claimed || !seen.existing) throw new Error('expected the existing row');
    await keys.remove(first.id);
    const again = await keys.claim('ci', 'stale', 'h');
    expect(again.claimed).toBe(true);
    await keys.removeStale(seen.existing); // the old row, already gone: the new one stays
    expect((await keys.claim('ci', 'stale', 'h')).claimed).toBe(false);
    await db.query(`UPDATE idempotency_keys SET created_at = ? WHERE idem_key = 'stale'`, [new Date(Date.now() - 48 * 3600_000)]);
    await keys.purgeExpired(new Date(Date.now() - 24 * 3600_000));
    expect((await keys.claim('ci', 'stale', 'h')).claimed).toBe(true);
  });
});

describe('QueueSummaryReader and ClusterSnapshotReader', () => {
  it('count queued, scheduled and running releases and the lock waits from the table', async () => {
    await db.truncate('releases', 'release_counters', 'release_log_line_counters');
    const running = await releases.create(release({ lockKey: 'q:1' }));
    expect(await releases.tryStart(running, 'w1')).toBe(true);
    const waiting = await releases.create(release({ lockKey: 'q:1' }));
    await releases.setWaitingReason(waiting.id, `waiting for release ${running.id}`);
    await releases.create(release({ runAt: new Date(Date.now() + 3600_000) }));
    const done = await releases.create(release({ template: 'other' }));
    await releases.tryStart(done, 'w2');
    await releases.appendLog(done.id, 1, ['a', 'b', 'c']);
    await db.query('UPDATE releases SET started_at = ? WHERE id = ?', [new Date(Date.now() - 2_000), done.id]);
    await releases.finish(done.id, 'w2', { status: 'succeeded', exitCode: 0, reason: null, recap: null, finishedAt: new Date() });

    const summary = await new QueueSummaryReader(db.uow).read();
    expect(summary).toMatchObject({ waiting: 1, scheduled: 1, running: 1 });
    expect(summary.lockWaits.map((w) => [w.id, w.lockKey, w.waitingReason])).toEqual([
      [waiting.id, 'q:1', `waiting for release ${running.id}`],
    ]);

    const prefix = `m-snap-${randomBytes(3).toString('hex')}`;
    const queue = new Queue(RELEASES_QUEUE, { connection: { url: SHARED_REDIS }, prefix });
    const redis = new ApiRedis({ queuePrefix: prefix, redisUrl: SHARED_REDIS } as SlipwayConfig);
    await redis.onModuleInit();
    try {
      await writeWorkerBeat(redis.client, redis.keys, workerEntry('w1', 'active'), 60_000);
      const reader = new ClusterSnapshotReader(db.uow, queue, redis);
      const snapshot = await reader.read();
      expect(snapshot.live).toEqual(
        expect.arrayContaining([
          { template: 'hello', status: 'queued', count: 2, waitingOnLock: 1 },
          { template: 'hello', status: 'running', count: 1, waitingOnLock: 0 },
        ]),
      );
      expect(snapshot.live).toHaveLength(2);
      expect(snapshot.totals).toEqual({
        created: expect.arrayContaining([
          { template: 'hello', count: 3 },
          { template: 'other', count: 1 },
        ]),
        finished: [{ template: 'other', status: 'succeeded', count: 1 }],
        logLines: 3,
      });
      const other = snapshot.durations?.find((d) => d.template === 'other');
      expect(other?.count).toBe(1);
      expect(other!.sumSeconds).toBeGreaterThan(1.5);
      expect(snapshot.workers).toEqual({ active: 1 });
      expect(snapshot.queue).toMatchObject({ waiting: 0 });
    } finally {
      await removeWorker(redis.client, redis.keys, 'w1');
      redis.onApplicationShutdown();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
  });
});
