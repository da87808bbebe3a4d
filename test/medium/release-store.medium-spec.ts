import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type NewRelease, ReleaseStore } from '@slipway/releases';
import { waitFor } from '../support/wait-for.js';
import { LockHoldingUnitOfWork, type MediumDb, ReplyLosingUnitOfWork, createMediumDb } from './support/medium-db.js';
import { newRelease } from './support/new-release.js';

let db: MediumDb;
let store: ReleaseStore;

beforeAll(async () => {
  db = await createMediumDb('release_store');
  store = new ReleaseStore(db.uow);
});
afterAll(() => db?.drop());
beforeEach(async () => {
  await db.truncate('idempotency_keys', 'release_log_chunks', 'releases');
});

const release = (overrides: Partial<NewRelease> = {}) => newRelease(overrides);

/** Moves a release's schedule (and so its due time) without waiting for the clock. */
async function setTimes(id: number, times: { createdAt?: Date; runAt?: Date | null }): Promise<void> {
  if (times.createdAt) await db.query('UPDATE releases SET created_at = ? WHERE id = ?', [times.createdAt, id]);
  if (times.runAt !== undefined) await db.query('UPDATE releases SET run_at = ? WHERE id = ?', [times.runAt, id]);
}

async function runningIds(lockKey = 'hello:local'): Promise<number[]> {
  const rows = await db.query<{ id: number }>(`SELECT id FROM releases WHERE lock_key = ? AND status = 'running' ORDER BY id`, [lockKey]);
  return rows.map((r) => Number(r.id));
}

/**
 * The statements waiting right now for a row or gap lock on this database's releases table. InnoDB
 * refreshes these tables at most every 100 ms, so a wait may show a moment late, or a moment after it ended:
 * callers look for their own statement and keep polling.
 */
async function lockWaitsOnReleases(): Promise<string[]> {
  const rows = await db.query<{ statement: string | null }>(
    `SELECT t.trx_query AS statement FROM information_schema.INNODB_LOCK_WAITS w
       JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id
       JOIN information_schema.INNODB_TRX t ON t.trx_id = w.requesting_trx_id
      WHERE l.lock_table = ?`,
    [`\`${db.database.database}\`.\`releases\``],
  );
  return rows.map((r) => r.statement ?? '');
}

const ago = (ms: number) => new Date(Date.now() - ms);
const ahead = (ms: number) => new Date(Date.now() + ms);

describe('ReleaseStore lock exclusivity', () => {
  it('a scheduled release that becomes due does not start beside a later release that is running (issue 11: runAt broke the lock)', async () => {
    const scheduled = await store.create(release({ runAt: ahead(60_000) }));
    const immediate = await store.create(release());
    expect(await store.tryStart(scheduled, 'w1')).toBe(false); // not due yet
    expect(await store.tryStart(immediate, 'w2')).toBe(true);
    await setTimes(scheduled.id, { runAt: ago(1_000) }); // its time has come while `immediate` runs
    expect(await store.tryStart(scheduled, 'w1')).toBe(false);
    expect(await store.findBlocker(scheduled)).toBe(immediate.id);
    expect(await runningIds()).toEqual([immediate.id]);
  });

  it('a release never starts while any release of its lock key runs, whatever the ids', async () => {
    const first = await store.create(release());
    const second = await store.create(release());
    await db.query(`UPDATE releases SET status = 'running', worker_id = 'w9' WHERE id = ?`, [second.id]);
    // `first` has the lower id, but `second` holds the lock (e.g. `first` was scheduled when `second` started).
    expect(await store.tryStart(first, 'w1')).toBe(false);
    expect(await store.findBlocker(first)).toBe(second.id);
  });

  it('among due releases, the one due first goes first: a scheduled release takes its place when it becomes due', async () => {
    const holder = await store.create(release());
    expect(await store.tryStart(holder, 'w0')).toBe(true);
    const scheduled = await store.create(release()); // lower id, but due later
    const plain = await store.create(release());
    await setTimes(scheduled.id, { createdAt: ago(60_000), runAt: ago(10_000) });
    await setTimes(plain.id, { createdAt: ago(30_000), runAt: null });
    await store.finish(holder.id, 'w0', { status: 'succeeded', exitCode: 0, reason: null, recap: null, finishedAt: new Date() });

    expect(await store.tryStart(scheduled, 'w1')).toBe(false);
    expect(await store.findBlocker(scheduled)).toBe(plain.id);
    expect(await store.findNextInLock(holder.lockKey, holder.id)).toBe(plain.id);
    expect(await store.tryStart(plain, 'w2')).toBe(true);
    expect(await store.findNextInLock(plain.lockKey, plain.id)).toBe(scheduled.id);
  });

  it('equal due times go by id', async () => {
    const at = ago(5_000);
    const a = await store.create(release());
    const b = await store.create(release());
    await setTimes(a.id, { createdAt: at });
    await setTimes(b.id, { createdAt: at });
    expect(await store.tryStart(b, 'w2')).toBe(false);
    expect(await store.findBlocker(b)).toBe(a.id);
    expect(await store.tryStart(a, 'w1')).toBe(true);
  });

  it('a release not yet due is nobody\'s blocker, and does not start', async () => {
    const future = await store.create(release({ runAt: ahead(60_000) }));
    const now = await store.create(release());
    expect(await store.findBlocker(now)).toBeNull();
    expect(await store.findNextInLock('hello:local', 0)).toBe(now.id);
    expect(await store.tryStart(future, 'w1')).toBe(false);
    expect(await store.tryStart(now, 'w2')).toBe(true);
  });

  it('other lock keys do not block', async () => {
    const a = await store.create(release({ lockKey: 'k:a' }));
    const b = await store.create(release({ lockKey: 'k:b' }));
    expect(await store.tryStart(a, 'w1')).toBe(true);
    expect(await store.tryStart(b, 'w2')).toBe(true);
  });

  it('tryStart waits for a concurrent transaction on its lock key and sees what it committed', async () => {
    // Another transaction is starting a release of the same key and has not committed yet. A snapshot
    // read would not see it and would start a second one beside it; the locking read waits instead.
    const candidate = await store.create(release());
    const other = db.dataSource.createQueryRunner();
    try {
      await other.startTransaction();
      await other.query(
        `INSERT INTO releases (template, inventory, extra_vars, lock_key, status, worker_id, requested_by, created_at, started_at, log_lines)
         VALUES ('hello', 'local', '{}', 'hello:local', 'running', 'w-other', 'x', ?, ?, 0)`,
        [ago(1_000), new Date()],
      );
      let settled = false;
      const attempt = store.tryStart(candidate, 'w1').finally(() => (settled = true));
      const waitingStart = (statement: string) => statement.includes("lock_key = 'hello:local'") && statement.includes('FOR UPDATE');
      await waitFor('tryStart to wait on the lock key', async () => settled || (await lockWaitsOnReleases()).some(waitingStart));
      expect(settled).toBe(false);
      await other.commitTransaction();
      expect(await attempt).toBe(false);
      expect(await runningIds()).toHaveLength(1);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
  });

  it("a start holding its lock key's rows never blocks creating a release of another key", async () => {
    // Under REPEATABLE READ the start's FOR UPDATE also locked the index gap after the key's rows, so the
    // INSERT of any key sorting into that gap waited for the start to commit: under load, POSTs queued
    // behind the workers' starts. The start is held open here right after its locking read.
    const starting = await store.create(release({ lockKey: 'gap:a' }));
    await store.create(release({ lockKey: 'gap:c' })); // the index record that bounds the gap after gap:a
    const holding = new LockHoldingUnitOfWork(db.uow, 'mark release running');
    const start = new ReleaseStore(holding).tryStart(starting, 'w1');
    try {
      await holding.locked;
      let created = false;
      const create = store.create(release({ lockKey: 'gap:b' })).then(() => (created = true));
      const waitingInsert = (statement: string) => statement.startsWith('INSERT INTO releases') && statement.includes("'gap:b'");
      await waitFor("the other key's release to be created, or to wait on a lock", async () => created || (await lockWaitsOnReleases()).some(waitingInsert));
      expect(created, 'the INSERT of gap:b waited on the start of gap:a').toBe(true);
      await create;
    } finally {
      holding.resume();
    }
    expect(await start).toBe(true);
    expect(await runningIds('gap:a')).toEqual([starting.id]);
  });

  it('many workers racing tryStart on one lock key never get two running', async () => {
    for (let round = 0; round < 15; round++) {
      const created: { id: number; lockKey: string }[] = [];
      for (let i = 0; i < 6; i++) {
        // A mix of plain and scheduled-and-now-due releases, with due times that differ from id order.
        const r = await store.create(release({ lockKey: `race:${round}` }));
        if (i % 2 === 1) await setTimes(r.id, { createdAt: ago(50_000), runAt: ago(1_000 + i * 100) });
        created.push(r);
      }
      for (let step = 0; step < created.length; step++) {
        const results = await Promise.all(created.map((r, i) => store.tryStart(r, `w${i}`)));
        expect(results.filter(Boolean), `round ${round} step ${step}`).toHaveLength(1);
        const running = await runningIds(`race:${round}`);
        expect(running, `round ${round} step ${step}`).toHaveLength(1);
        const winner = created.findIndex((r) => r.id === running[0]);
        await store.finish(running[0], `w${winner}`, { status: 'succeeded', exitCode: 0, reason: null, recap: null, finishedAt: new Date() });
      }
    }
  });
});

describe('ReleaseStore retries that cannot duplicate', () => {
  it('a create whose COMMIT reply was lost does not insert a second row when retried', async () => {
    const losing = new ReplyLosingUnitOfWork(db.uow);
    const retried = new ReleaseStore(losing);
    losing.loseReplyAfterCommit('create release');
    const created = await retried.create(release());
    expect(losing.attempts.get('create release')).toBe(2);
    const rows = await db.query<{ id: number }>('SELECT id FROM releases');
    expect(rows.map((r) => Number(r.id))).toEqual([created.id]);
  });

  it('rows written alongside a create commit with it, once, even when the create is retried after a lost COMMIT reply', async () => {
    const losing = new ReplyLosingUnitOfWork(db.uow);
    const retried = new ReleaseStore(losing);
    losing.loseReplyAfterCommit('create release');
    let writes = 0;
    const created = await retried.create(release(), undefined, async (em, r) => {
      writes++;
      await em.query('INSERT INTO audit_entries (at, actor, action, target_type, target_id, details) VALUES (?, ?, ?, ?, ?, ?)', [new Date(), 'spec', 'release.create', 'release', r.id, '{}']);
    });
    expect(losing.attempts.get('create release')).toBe(2);
    expect(writes).toBe(1);
    const entries = await db.query<{ target_id: number }>(`SELECT target_id FROM audit_entries WHERE actor = 'spec'`);
    expect(entries.map((e) => Number(e.target_id))).toEqual([created.id]);
  });

  it('a create whose alongside write fails leaves nothing; deleteQueued removes the alongside rows with the release', async () => {
    await db.truncate('audit_entries');
    await expect(store.create(release(), undefined, () => Promise.reject(new Error('alongside failed')))).rejects.toThrow('alongside failed');
    expect(await db.query('SELECT id FROM releases')).toEqual([]);
    const created = await store.create(release(), undefined, async (em, r) => {
      await em.query('INSERT INTO audit_entries (at, actor, action, target_type, target_id, details) VALUES (?, ?, ?, ?, ?, ?)', [new Date(), 'spec', 'release.create', 'release', r.id, '{}']);
    });
    await store.deleteQueued(created.id, async (em) => {
      await em.query(`DELETE FROM audit_entries WHERE actor = 'spec'`);
    });
    expect(await db.query('SELECT id FROM releases')).toEqual([]);
    expect(await db.query(`SELECT id FROM audit_entries WHERE actor = 'spec'`)).toEqual([]);
  });

  it('a tryStart whose reply was lost recognises "already running for me"', async () => {
    const losing = new ReplyLosingUnitOfWork(db.uow);
    const retried = new ReleaseStore(losing);
    const r = await store.create(release());
    losing.loseReplyAfterCommit('mark release running');
    expect(await retried.tryStart(r, 'w1')).toBe(true);
    expect(losing.attempts.get('mark release running')).toBe(2);
    // …but not for another worker, nor for another start of the same worker (a job delivered twice).
    expect(await store.tryStart(r, 'w2')).toBe(false);
    expect(await store.tryStart(r, 'w1')).toBe(false);
  });
});

describe('ReleaseStore logs', () => {
  /** Stores `total` lines in chunks of the given sizes (cycled), as a worker's batches would. */
  async function storeLines(releaseId: number, total: number, sizes: number[]): Promise<void> {
    let seq = 1;
    for (let i = 0; seq <= total; i++) {
      const size = Math.min(sizes[i % sizes.length], total - seq + 1);
      await store.appendLog(releaseId, seq, Array.from({ length: size }, (_, k) => `line ${seq + k}`));
      seq += size;
    }
  }

  async function wholeLog(releaseId: number, after: number, pageLines: number): Promise<number[]> {
    const seqs: number[] = [];
    for await (const page of store.logPages(releaseId, after, pageLines)) seqs.push(...page.map((l) => l.seq));
    return seqs;
  }

  it('a 600-line log stored in 561 chunks reads back whole (issue 11: 429 lines came back)', async () => {
    const r = await store.create(release());
    await storeLines(r.id, 600, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    const count = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM release_log_chunks WHERE release_id = ?', [r.id]);
    expect(Number(count[0].n)).toBeGreaterThan(500);
    expect((await store.readLog(r.id, 0, 20_000)).map((l) => l.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(await wholeLog(r.id, 0, 20_000)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(await wholeLog(r.id, 0, 7)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(await wholeLog(r.id, 417, 50)).toEqual(Array.from({ length: 183 }, (_, i) => i + 418));
  });

  it('one page holds at most the lines asked for, by line number, whatever the chunk sizes', async () => {
    const r = await store.create(release());
    await storeLines(r.id, 1_000, [1, 300, 7]);
    const page = await store.readLog(r.id, 10, 100);
    expect(page.map((l) => l.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 11));
    expect(page[0].text).toBe('line 11');
    expect(await store.readLog(r.id, 1_000, 100)).toEqual([]);
  });

  it('lines longer than a chunk cap and big chunks still read back whole', async () => {
    const r = await store.create(release());
    const long = 'x'.repeat(200_000);
    await store.appendLog(r.id, 1, [long, long, long]);
    await store.appendLog(r.id, 4, ['tail']);
    const texts: string[] = [];
    for await (const page of store.logPages(r.id, 0, 2)) texts.push(...page.map((l) => l.text));
    expect(texts).toEqual([long, long, long, 'tail']);
  });

  it('a retried log chunk is stored once', async () => {
    const r = await store.create(release());
    await store.appendLog(r.id, 1, ['a', 'b']);
    await store.appendLog(r.id, 1, ['a', 'b']);
    expect((await store.readLog(r.id, 0, 10)).map((l) => l.text)).toEqual(['a', 'b']);
    expect((await store.findById(r.id))!.logLines).toBe(2);
  });
});

describe('ReleaseStore what ran', () => {
  it('stores the digest at creation, and the run only for the worker that started it, whatever its status by then', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const r = await store.create(release({ catalogDigest: digest }));
    const queued = (await store.findById(r.id))!;
    expect([queued.catalogDigest, queued.argv, queued.ansibleVersion]).toEqual([digest, null, null]);
    expect(await store.tryStart(r, 'w1')).toBe(true);
    const run = { argv: ['ansible-playbook', '-i', 'inv', '--tags=********', "it's.yml"], ansibleVersion: '2.14.18' };
    await store.recordRun(r.id, 'w2', run);
    expect((await store.findById(r.id))!.argv).toBeNull();
    expect(await store.interrupt(r.id, 'w1', 'worker gone')).toBe(true);
    await store.recordRun(r.id, 'w1', run);
    await store.recordRun(r.id, 'w1', run); // a retry after a lost reply writes the same again
    const stored = (await store.findById(r.id))!;
    expect([stored.argv, stored.ansibleVersion, stored.catalogDigest, stored.status]).toEqual([run.argv, '2.14.18', digest, 'interrupted']);
  });
});

describe('ReleaseStore state changes', () => {
  it('finish, cancel and interrupt are conditional', async () => {
    const r = await store.create(release());
    expect(await store.cancelQueued(r.id, 'alice')).toBe(true);
    expect(await store.cancelQueued(r.id, 'alice')).toBe(false);
    expect(await store.tryStart(r, 'w1')).toBe(false);
    const s = await store.create(release());
    expect(await store.tryStart(s, 'w1')).toBe(true);
    expect(await store.requestCancel(s.id, 'bob')).toBe(true);
    expect(await store.finish(s.id, 'w2', { status: 'failed', exitCode: 2, reason: 'x', recap: null, finishedAt: new Date() })).toBe(false);
    expect(await store.interrupt(s.id, 'w1', 'worker gone')).toBe(true);
    expect(await store.finish(s.id, 'w1', { status: 'failed', exitCode: 2, reason: 'x', recap: null, finishedAt: new Date() })).toBe(false);
    expect((await store.findById(s.id))!).toMatchObject({ status: 'interrupted', reason: 'worker gone', cancelRequestedBy: 'bob' });
    expect(await store.listRunning()).toEqual([]);
  });

  it('a freeze cancel is conditional too: only a queued release, with what goes alongside in the same transaction', async () => {
    const alongside: number[] = [];
    const write = (id: number) => async (em: { query: (sql: string, params?: unknown[]) => Promise<unknown> }) => {
      await em.query('SELECT 1');
      alongside.push(id);
    };
    const queued = await store.create(release());
    expect(await store.cancelFrozen(queued.id, 'freeze window year-end', 'not started: freeze window "year-end" is in force until …', write(queued.id))).toBe(true);
    expect(await store.findById(queued.id)).toMatchObject({ status: 'cancelled', cancelRequestedBy: 'freeze window year-end', startedAt: null, reason: 'not started: freeze window "year-end" is in force until …' });
    expect(await store.cancelFrozen(queued.id, 'freeze window year-end', 'again', write(queued.id))).toBe(false);
    const running = await store.create(release({ lockKey: 'other:local' }));
    expect(await store.tryStart(running, 'w1')).toBe(true);
    expect(await store.cancelFrozen(running.id, 'freeze window year-end', 'late', write(running.id))).toBe(false);
    expect((await store.findById(running.id))!.status).toBe('running');
    // Only the transition that happened wrote its companion (the audit entry).
    expect(alongside).toEqual([queued.id]);
  });

  it('lists newest first with filters, a page at a time', async () => {
    for (let i = 0; i < 5; i++) await store.create(release({ template: i % 2 ? 'other' : 'hello' }));
    const page = await store.list({ template: 'hello', limit: 2 });
    expect(page).toMatchObject({ more: true, nextBefore: 3, prevAfter: null });
    expect(page.items.map((r) => r.id)).toEqual([5, 3]);
    const next = await store.list({ template: 'hello', limit: 2, before: 3 });
    expect(next).toMatchObject({ more: false, nextBefore: null, prevAfter: 1 });
    expect(next.items.map((r) => r.id)).toEqual([1]);
  });

  it('deleteQueued removes only a queued release', async () => {
    const r = await store.create(release());
    expect(await store.tryStart(r, 'w1')).toBe(true);
    await store.deleteQueued(r.id);
    expect(await store.findById(r.id)).not.toBeNull();
  });
});

describe('ReleaseStore: the commit a release of a git project is pinned to', () => {
  it('stores the full commit id and its ref as given, and nothing for a local-directory project', async () => {
    const sha = 'f'.repeat(40);
    const pinned = await store.create(release({ commitSha: sha, gitRef: 'release/2.4' }));
    const local = await store.create(release());
    expect(await store.findById(pinned.id)).toMatchObject({ commitSha: sha, gitRef: 'release/2.4' });
    expect(await store.findById(local.id)).toMatchObject({ commitSha: null, gitRef: null });
    // A SHA-256 repository's ids fit too.
    const long = await store.create(release({ commitSha: 'a'.repeat(64), gitRef: 'main' }));
    expect((await store.findById(long.id))?.commitSha).toBe('a'.repeat(64));
  });
});
