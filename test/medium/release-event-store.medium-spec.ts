import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HostResultEvent, type StorableAnsibleEvent, storableOf } from '@slipway/ansible';
import { dbRetryCounter } from '@slipway/db';
import { ReleaseEventStore, ReleaseStore, countReleasesWithIncompleteEvents, releaseEventsStateOf } from '@slipway/releases';
import { type MediumDb, ReplyLosingUnitOfWork, createMediumDb } from './support/medium-db.js';
import { newRelease } from './support/new-release.js';

let db: MediumDb;
let store: ReleaseEventStore;
let releases: ReleaseStore;

beforeAll(async () => {
  db = await createMediumDb('release_events');
  store = new ReleaseEventStore(db.uow);
  releases = new ReleaseStore(db.uow);
});
afterAll(() => db?.drop());
beforeEach(async () => {
  await db.truncate('release_events', 'release_log_chunks', 'releases');
});

let seq = 0;
const base = () => ({ v: 1, seq: ++seq, t: Date.now() });
const taskStart = (taskId: string, task: string): StorableAnsibleEvent =>
  storableOf({ ...base(), type: 'task_start', taskId, task, action: 'debug', path: '/p.yml:3', tags: [], handler: false });
const result = (taskId: string, host: string, status: HostResultEvent['status'], msg?: string): StorableAnsibleEvent =>
  storableOf({
    ...base(), type: 'host_result', taskId, task: `task ${taskId}`, host, status, changed: status === 'changed', durationMs: 12.4,
    delegateTo: null, noLog: false, result: msg ? { msg } : {}, diff: null,
  });
const stats = (): StorableAnsibleEvent => storableOf({ ...base(), type: 'stats', notKept: 0, hosts: {} });

async function createRelease(): Promise<number> {
  seq = 0;
  return (await releases.create(newRelease())).id;
}

describe('ReleaseEventStore', () => {
  it('stores a batch once even when it is stored again (retry after a lost reply), in sequence order', async () => {
    const id = await createRelease();
    const batch = [taskStart('t1', 'one'), result('t1', 'a', 'ok'), result('t1', 'b', 'changed')];
    const losing = new ReplyLosingUnitOfWork(db.uow);
    losing.loseReplyAfterCommit('append events');
    await new ReleaseEventStore(losing).append(id, batch);
    expect(losing.attempts.get('append events')).toBe(2);
    await store.append(id, batch); // a worker SIGKILLed after the commit, its batch stored again
    const rows = await db.query<{ seq: number }>('SELECT seq FROM release_events WHERE release_id = ? ORDER BY seq', [id]);
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3]);
    expect(await store.state(id)).toEqual({ state: 'receiving', stored: 3, nextSeq: 4, notKept: 0 });
  });

  it('is complete only when the stats are stored with nothing missing before them', async () => {
    const id = await createRelease();
    const first = [taskStart('t1', 'one'), result('t1', 'a', 'ok')];
    result('t1', 'b', 'ok'); // seq 3: never stored (its batch was lost)
    const rest = [stats()];
    await store.append(id, first);
    await store.append(id, rest); // seq 4 after a lost seq 3
    await db.query(`UPDATE releases SET status = 'interrupted' WHERE id = ?`, [id]);
    expect(await store.state(id)).toEqual({ state: 'incomplete', stored: 3, nextSeq: 3, notKept: 0 });

    const whole = await createRelease();
    await store.append(whole, [taskStart('t1', 'one'), result('t1', 'a', 'ok')]);
    await store.append(whole, [stats()]);
    await db.query(`UPDATE releases SET status = 'succeeded' WHERE id = ?`, [whole]);
    expect(await store.state(whole)).toEqual({ state: 'complete', stored: 3, nextSeq: 4, notKept: 0 });
  });

  it('says an interrupted release without stats is incomplete from the first sequence not stored', async () => {
    const id = await createRelease();
    await store.append(id, [taskStart('t1', 'one'), result('t1', 'a', 'ok')]);
    await db.query(`UPDATE releases SET status = 'interrupted' WHERE id = ?`, [id]);
    expect(await store.state(id)).toMatchObject({ state: 'incomplete', nextSeq: 3 });
  });

  it('counts events not kept as a total (recorded twice, counted once)', async () => {
    const id = await createRelease();
    await store.recordNotKept(id, 5);
    await store.recordNotKept(id, 5);
    expect(await store.state(id)).toMatchObject({ notKept: 5 });
  });

  it('summarises per host (counts, status, first failure) and per task', async () => {
    const id = await createRelease();
    await store.append(id, [
      taskStart('t1', 'one'), result('t1', 'a', 'ok'), result('t1', 'b', 'changed'), result('t1', 'c', 'unreachable', 'no route'),
      taskStart('t2', 'two'), result('t2', 'a', 'failed', 'first'), result('t2', 'b', 'skipped'),
      taskStart('t3', 'three'), result('t3', 'a', 'failed', 'second'),
    ]);
    const summary = await store.hosts(id);
    expect(summary?.hosts.map((h) => [h.host, h.status, h.firstFailure?.msg ?? null, h.firstFailure?.task ?? null])).toEqual([
      ['a', 'failed', 'first', 'task t2'],
      ['b', 'changed', null, null],
      ['c', 'unreachable', 'no route', 'task t1'],
    ]);
    expect(summary?.hosts.map((h) => h.changedResults)).toEqual([0, 1, 0]);
    expect(summary?.hosts[0]?.counts).toEqual({ ok: 1, changed: 0, failed: 2, skipped: 0, unreachable: 0, ignored: 0, rescued: 0 });
    const tasks = await store.tasks(id);
    expect(tasks?.tasks.map((t) => [t.task, t.counts.ok, t.counts.changed, t.counts.failed, t.counts.skipped, t.counts.unreachable])).toEqual([
      ['one', 1, 1, 0, 0, 1],
      ['two', 0, 0, 1, 1, 0],
      ['three', 0, 0, 1, 0, 0],
    ]);
    expect(tasks?.tasks[0]?.durationMs).toBe(12);
  });

  it('lists events newest first with filters and keyset pages that neither repeat nor skip', async () => {
    const id = await createRelease();
    const batch: StorableAnsibleEvent[] = [];
    for (let t = 1; t <= 10; t++) {
      batch.push(taskStart(`t${t}`, `task ${t}`));
      for (const host of ['a', 'b', 'c']) batch.push(result(`t${t}`, host, t % 3 === 0 && host === 'b' ? 'failed' : 'changed'));
    }
    await store.append(id, batch);
    const seen: number[] = [];
    let page = await store.list(id, { limit: 4, host: 'b' });
    for (;;) {
      seen.push(...(page?.items.map((e) => e.seq) ?? []));
      if (!page?.nextBefore) break;
      page = await store.list(id, { limit: 4, host: 'b', before: page.nextBefore });
    }
    expect(seen).toHaveLength(10);
    expect([...seen].sort((x, y) => y - x)).toEqual(seen);
    const failed = await store.list(id, { limit: 50, status: 'failed' });
    expect(failed?.items.map((e) => [e.host, e.task])).toEqual([['b', 'task t9'], ['b', 'task t6'], ['b', 'task t3']]);
    const newer = await store.list(id, { limit: 2, after: seen.at(-1)!, host: 'b' });
    expect(newer?.items.map((e) => e.seq)).toEqual(seen.slice(-3, -1));
    const one = await store.one(id, failed!.items[0].seq);
    expect(one?.event).toMatchObject({ host: 'b', status: 'failed', type: 'host_result' });
    expect(await store.one(id, 9999)).toBeNull();
    expect(await store.list(id + 1000, { limit: 5 })).toBeNull();
  });

  it('keeps every character of an event: quotes, backslashes, line breaks, accents, emoji, a NUL', async () => {
    const id = await createRelease();
    const msg = 'say "hi" \\ C:\\path\nnext line\tté 😀 \u0000 end\'s';
    await store.append(id, [taskStart('t1', 'ünïcode 😀'), result('t1', 'wéb-😀', 'failed', msg)]);
    const one = await store.one(id, 2);
    expect(one?.event).toMatchObject({ host: 'wéb-😀', task: 'task t1', result: { msg } });
    expect((await store.tasks(id))?.tasks[0].task).toBe('ünïcode 😀');
  });

  it('goes with its release (retention deletes the release, the events follow)', async () => {
    const id = await createRelease();
    await store.append(id, [taskStart('t1', 'one')]);
    await db.query('DELETE FROM releases WHERE id = ?', [id]);
    expect(await db.query('SELECT seq FROM release_events WHERE release_id = ?', [id])).toEqual([]);
  });

  it('counts the releases with incomplete events cluster-wide, as the release view says, through its index', async () => {
    const arrange = async (status: string, events: { stored: number; nextSeq: number; complete: boolean }) => {
      const id = await createRelease();
      await db.query('UPDATE releases SET status = ?, events_stored = ?, events_next_seq = ?, events_complete = ? WHERE id = ?', [
        status, events.stored, events.nextSeq, events.complete ? 1 : 0, id,
      ]);
      return id;
    };
    const incomplete = [
      await arrange('failed', { stored: 7, nextSeq: 8, complete: false }),
      await arrange('interrupted', { stored: 3, nextSeq: 2, complete: false }), // a hole after seq 1
      await arrange('succeeded', { stored: 4, nextSeq: 1, complete: false }), // seq 1 never stored
    ];
    await arrange('succeeded', { stored: 9, nextSeq: 10, complete: true });
    await arrange('running', { stored: 5, nextSeq: 6, complete: false }); // still receiving
    await arrange('queued', { stored: 0, nextSeq: 1, complete: false });
    await arrange('cancelled', { stored: 0, nextSeq: 1, complete: false }); // never ran: none, not incomplete
    const counted = await countReleasesWithIncompleteEvents(db.dataSource);
    const rows = await db.query<{ status: string; events_stored: number; events_next_seq: number; events_complete: number }>(
      'SELECT status, events_stored, events_next_seq, events_complete FROM releases',
    );
    const viewed = rows.filter((r) =>
      releaseEventsStateOf({ status: r.status, eventsStored: r.events_stored, eventsNextSeq: r.events_next_seq, eventsComplete: r.events_complete === 1, eventsNotKept: 0 }).state === 'incomplete',
    );
    expect(viewed).toHaveLength(incomplete.length);
    expect(counted).toBe(incomplete.length);
    // The very query, explained: a range of its covering index, not a scan of the history.
    let plan: { key: string | null; type: string; Extra: string } | undefined;
    const explaining = {
      query: async (sql: string, params?: unknown[]) => ([plan] = await db.query<NonNullable<typeof plan>>(`EXPLAIN ${sql}`, params)),
    } as unknown as Parameters<typeof countReleasesWithIncompleteEvents>[0];
    await countReleasesWithIncompleteEvents(explaining);
    expect(plan).toMatchObject({ key: 'idx_releases_events_incomplete', type: 'range' });
    expect(plan!.Extra).toContain('Using index');
  });

  it('events and log lines of one release stored at the same moment never deadlock each other', async () => {
    // Both write a child row (its foreign key takes a shared lock on the release's row) and then update
    // that row: two such transactions at once each waited for the other's shared lock (ER_LOCK_DEADLOCK,
    // cleared only by the unit of work's retry). Seen in the worker's log under load.
    const id = await createRelease();
    const retriesBefore = dbRetryCounter.retries;
    for (let round = 0; round < 40; round++) {
      await Promise.all([
        store.append(id, [taskStart(`t${round}`, `task ${round}`), result(`t${round}`, 'a', 'ok')]),
        releases.appendLog(id, round * 2 + 1, [`line ${round * 2 + 1}`, `line ${round * 2 + 2}`]),
        releases.appendLog(id, 1_000 + round, [`line ${1_000 + round}`]),
      ]);
    }
    expect(dbRetryCounter.retries - retriesBefore).toBe(0);
    expect(await store.state(id)).toMatchObject({ stored: 80, nextSeq: 81 });
  });
});
