import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReleaseStore } from '@slipway/releases';
import { type MediumDb, ReplyLosingUnitOfWork, RolledBack, RollingBackUnitOfWork, createMediumDb } from './support/medium-db.js';
import { newRelease } from './support/new-release.js';

let db: MediumDb;
let store: ReleaseStore;
let failing: ReleaseStore;

async function addEndpoint(fields: { events?: string[]; templates?: string[] | null; inventories?: string[] | null; enabled?: boolean } = {}): Promise<number> {
  const events = fields.events ?? ['release.queued', 'release.started', 'release.succeeded', 'release.failed', 'release.cancelled', 'release.interrupted'];
  const rows = await db.query<{ id: number }>(
    `INSERT INTO webhook_endpoints (url, events, templates, inventories, secret_sealed, enabled, created_at, created_by)
     VALUES ('http://127.0.0.1:9/hook', ?, ?, ?, 'slipway:v1:sealed', ?, NOW(3), 'medium') RETURNING id`,
    [JSON.stringify(events), fields.templates ? JSON.stringify(fields.templates) : null, fields.inventories ? JSON.stringify(fields.inventories) : null, fields.enabled === false ? 0 : 1],
  );
  return Number(rows[0].id);
}

async function deliveries(): Promise<{ endpoint: number; type: string; release: number; payload: Record<string, unknown>; messageId: string }[]> {
  const rows = await db.query<{ endpoint_id: number; event_type: string; release_id: number; payload: string; message_id: string }>(
    'SELECT endpoint_id, event_type, release_id, payload, message_id FROM webhook_deliveries ORDER BY id',
  );
  return rows.map((r) => ({
    endpoint: Number(r.endpoint_id),
    type: r.event_type,
    release: Number(r.release_id),
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    messageId: r.message_id,
  }));
}

beforeAll(async () => {
  db = await createMediumDb('webhook_outbox');
  store = new ReleaseStore(db.uow);
  failing = new ReleaseStore(new RollingBackUnitOfWork(db.uow));
});
afterAll(() => db?.drop());
beforeEach(async () => {
  await db.truncate('webhook_attempts', 'webhook_deliveries', 'webhook_endpoints', 'release_log_chunks', 'releases');
});

describe('webhook outbox: a delivery is written in the transaction of the status change it reports', () => {
  it('every status a release enters writes one delivery per interested endpoint, with the release in its payload', async () => {
    const endpoint = await addEndpoint();
    const release = await store.create(newRelease({ commitSha: 'a'.repeat(40), gitRef: 'main' }));
    expect(await store.tryStart(release, 'w1')).toBe(true);
    expect(await store.finish(release.id, 'w1', { status: 'succeeded', exitCode: 0, reason: null, recap: null, finishedAt: new Date() })).toBe(true);
    const cancelled = await store.create(newRelease());
    expect(await store.cancelQueued(cancelled.id, 'ops')).toBe(true);
    const interrupted = await store.create(newRelease({ lockKey: 'other' }));
    await store.tryStart(interrupted, 'w2');
    expect(await store.interrupt(interrupted.id, 'w2', 'worker w2 stopped')).toBe(true);

    const found = await deliveries();
    expect(found.map((d) => [d.release, d.type])).toEqual([
      [release.id, 'release.queued'],
      [release.id, 'release.started'],
      [release.id, 'release.succeeded'],
      [cancelled.id, 'release.queued'],
      [cancelled.id, 'release.cancelled'],
      [interrupted.id, 'release.queued'],
      [interrupted.id, 'release.started'],
      [interrupted.id, 'release.interrupted'],
    ]);
    expect(found.every((d) => d.endpoint === endpoint)).toBe(true);
    expect(new Set(found.map((d) => d.messageId)).size).toBe(found.length);
    expect(found[2].payload).toMatchObject({
      type: 'release.succeeded',
      data: {
        release: { id: release.id, template: 'hello', inventory: 'local', status: 'succeeded', commit: 'a'.repeat(40), gitRef: 'main', actor: 'medium-test', exitCode: 0 },
        links: { release: `/api/v1/releases/${release.id}` },
      },
    });
  });

  it('a status change whose transaction rolls back writes no delivery (and so sends nothing)', async () => {
    await addEndpoint();
    await expect(failing.create(newRelease())).rejects.toThrow(RolledBack);
    expect(await db.query('SELECT id FROM releases')).toEqual([]);

    const release = await store.create(newRelease());
    await expect(failing.tryStart(release, 'w1')).rejects.toThrow(RolledBack);
    expect(await store.tryStart(release, 'w1')).toBe(true);
    await expect(failing.finish(release.id, 'w1', { status: 'failed', exitCode: 2, reason: 'x', recap: null, finishedAt: new Date() })).rejects.toThrow(RolledBack);
    await expect(failing.interrupt(release.id, 'w1', 'gone')).rejects.toThrow(RolledBack);
    const queued = await store.create(newRelease({ lockKey: 'other' }));
    await expect(failing.cancelQueued(queued.id, 'ops')).rejects.toThrow(RolledBack);

    expect((await store.findById(release.id))?.status).toBe('running');
    expect((await store.findById(queued.id))?.status).toBe('queued');
    expect((await deliveries()).map((d) => [d.release, d.type])).toEqual([
      [release.id, 'release.queued'],
      [release.id, 'release.started'],
      [queued.id, 'release.queued'],
    ]);
  });

  it('a unit of work retried after its reply was lost writes its delivery once', async () => {
    await addEndpoint();
    const losing = new ReplyLosingUnitOfWork(db.uow);
    const retried = new ReleaseStore(losing);
    losing.loseReplyAfterCommit('create release');
    const release = await retried.create(newRelease());
    losing.loseReplyAfterCommit('mark release running');
    expect(await retried.tryStart(release, 'w1')).toBe(true);
    losing.loseReplyAfterCommit('final status failed');
    await retried.finish(release.id, 'w1', { status: 'failed', exitCode: 2, reason: 'x', recap: null, finishedAt: new Date() });
    expect((await deliveries()).map((d) => d.type)).toEqual(['release.queued', 'release.started', 'release.failed']);
  });

  it('endpoints get only the events, templates and inventories they asked for; disabled ones get nothing', async () => {
    const finals = await addEndpoint({ events: ['release.failed', 'release.succeeded'] });
    const helloOnly = await addEndpoint({ events: ['release.queued'], templates: ['hello'] });
    const prodOnly = await addEndpoint({ events: ['release.queued'], inventories: ['prod'] });
    await addEndpoint({ enabled: false });
    const release = await store.create(newRelease());
    await store.create(newRelease({ template: 'other', inventory: 'prod', lockKey: 'other:prod' }));
    await store.tryStart(release, 'w1');
    await store.finish(release.id, 'w1', { status: 'failed', exitCode: 2, reason: 'x', recap: null, finishedAt: new Date() });
    expect((await deliveries()).map((d) => [d.endpoint, d.type])).toEqual([
      [helloOnly, 'release.queued'],
      [prodOnly, 'release.queued'],
      [finals, 'release.failed'],
    ]);
  });

  it('a release removed because its job could not be queued takes its unsent "queued" delivery with it', async () => {
    await addEndpoint();
    const release = await store.create(newRelease());
    await store.deleteQueued(release.id);
    expect(await deliveries()).toEqual([]);
  });
});
