import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DURATION_BOUNDS_SECONDS, HistoryScale1764430000000 } from '../../libs/db/src/migrations/1764430000000-history-scale.js';
import { RELEASE_DURATION_BUCKETS } from '@slipway/observability';
import { type ReleaseCounterTotals, ReleaseStore, readReleaseCounters } from '@slipway/releases';
import { fromCounters } from '../../apps/api/src/metrics/cluster-snapshot.reader.js';
import { type MediumDb, ReplyLosingUnitOfWork, createMediumDb } from './support/medium-db.js';
import { newRelease } from './support/new-release.js';

/**
 * Issue 12: the figures of /metrics are counters kept with each release's change (release_counters), and
 * the lists are keyset pages. Each figure is checked against a direct count of the releases table.
 */
let db: MediumDb;
let store: ReleaseStore;

beforeAll(async () => {
  db = await createMediumDb('history_scale');
  store = new ReleaseStore(db.uow);
});
afterAll(() => db?.drop());
beforeEach(async () => {
  await db.truncate('idempotency_keys', 'release_log_chunks', 'releases', 'release_counters', 'release_log_line_counters');
});

const done = (status: 'succeeded' | 'failed' = 'succeeded') => ({ status, exitCode: status === 'failed' ? 2 : 0, reason: null, recap: null, finishedAt: new Date() });

/** What the counters say, in the shape /metrics renders (the API's own conversion). */
async function figures() {
  return fromCounters(await readReleaseCounters(db.dataSource));
}

/** The same figures counted straight from the releases table, the way /metrics did before issue 12. */
async function countedFromTable() {
  const created = await db.query<{ template: string; n: number }>('SELECT template, COUNT(*) AS n FROM releases GROUP BY template ORDER BY template');
  const finished = await db.query<{ template: string; status: string; n: number }>(
    `SELECT template, status, COUNT(*) AS n FROM releases WHERE status IN ('succeeded', 'failed', 'cancelled', 'interrupted')
      GROUP BY template, status ORDER BY template, status`,
  );
  const ran = await db.query<{ template: string; n: number; ms: number }>(
    `SELECT template, COUNT(*) AS n, SUM(TIMESTAMPDIFF(MICROSECOND, started_at, finished_at)) / 1000 AS ms FROM releases
      WHERE status IN ('succeeded', 'failed', 'cancelled', 'interrupted') AND started_at IS NOT NULL GROUP BY template ORDER BY template`,
  );
  const lines = await db.query<{ n: number }>('SELECT COALESCE(SUM(log_lines), 0) AS n FROM releases');
  return {
    created: created.map((r) => ({ template: r.template, count: Number(r.n) })),
    finished: finished.map((r) => ({ template: r.template, status: r.status, count: Number(r.n) })),
    ran: ran.map((r) => ({ template: r.template, count: Number(r.n), sumSeconds: Number(r.ms) / 1000 })),
    logLines: Number(lines[0]?.n ?? 0),
  };
}

async function expectFiguresMatchTable(): Promise<void> {
  const { totals, durations } = await figures();
  const table = await countedFromTable();
  const byName = <T extends { template: string; status?: string }>(rows: T[]) =>
    [...rows].sort((a, b) => `${a.template}/${a.status ?? ''}`.localeCompare(`${b.template}/${b.status ?? ''}`));
  expect(byName(totals.created)).toEqual(table.created);
  expect(byName(totals.finished)).toEqual(table.finished);
  expect(totals.logLines).toBe(table.logLines);
  expect(byName(durations).map((d) => ({ template: d.template, count: d.count }))).toEqual(table.ran.map(({ template, count }) => ({ template, count })));
  for (const row of table.ran) {
    expect(durations.find((d) => d.template === row.template)!.sumSeconds).toBeCloseTo(row.sumSeconds, 2);
  }
}

/** A release of `template` through queued → running → final, `runMs` long. */
async function runOne(template: string, status: 'succeeded' | 'failed', runMs: number, lines = 0): Promise<number> {
  const r = await store.create(newRelease({ template, lockKey: `${template}:${Math.random()}` }));
  expect(await store.tryStart(r, 'w1')).toBe(true);
  await db.query('UPDATE releases SET started_at = ? WHERE id = ?', [new Date(Date.now() - runMs), r.id]);
  if (lines > 0) await store.appendLog(r.id, 1, Array.from({ length: lines }, (_, i) => `line ${i + 1}`));
  expect(await store.finish(r.id, 'w1', done(status))).toBe(true);
  return r.id;
}

describe('release counters (the figures of /metrics)', () => {
  it('count created, finished by status, durations by bucket and log lines, as a count of the table does', async () => {
    await runOne('hello', 'succeeded', 300, 5);
    await runOne('hello', 'succeeded', 2_000, 2);
    await runOne('hello', 'failed', 40_000, 1);
    await runOne('other', 'succeeded', 50);
    const queued = await store.create(newRelease());
    expect(await store.cancelQueued(queued.id, 'alice')).toBe(true); // cancelled before it ran: no duration
    const running = await store.create(newRelease({ template: 'other', lockKey: 'other:x' }));
    expect(await store.tryStart(running, 'w2')).toBe(true);
    expect(await store.interrupt(running.id, 'w2', 'worker gone')).toBe(true);
    await store.create(newRelease({ lockKey: 'still:queued' }));

    await expectFiguresMatchTable();
    const hello = (await figures()).durations.find((d) => d.template === 'hello')!;
    const bucket = (le: number) => hello.cumulative[RELEASE_DURATION_BUCKETS.indexOf(le)];
    expect([bucket(0.1), bucket(0.5), bucket(2.5), bucket(30), bucket(60), bucket(3600)]).toEqual([0, 1, 2, 2, 3, 3]);
    expect(hello.count).toBe(3);
  });

  it('a transition that did not happen counts nothing (conditional updates guard them)', async () => {
    const r = await store.create(newRelease());
    expect(await store.tryStart(r, 'w1')).toBe(true);
    expect(await store.finish(r.id, 'w-other', done())).toBe(false); // not its worker
    expect(await store.cancelQueued(r.id, 'bob')).toBe(false); // not queued any more
    expect(await store.finish(r.id, 'w1', done())).toBe(true);
    expect(await store.finish(r.id, 'w1', done('failed'))).toBe(false); // already final
    expect(await store.interrupt(r.id, 'w1', 'late reaper')).toBe(false);
    await store.appendLog(r.id, 1, ['a', 'b']);
    await store.appendLog(r.id, 1, ['a', 'b']); // the same chunk again: stored once
    await expectFiguresMatchTable();
    expect((await figures()).totals.finished).toEqual([{ template: 'hello', status: 'succeeded', count: 1 }]);
    expect((await figures()).totals.logLines).toBe(2);
  });

  it('a unit of work retried after its COMMIT reply was lost is counted once', async () => {
    const losing = new ReplyLosingUnitOfWork(db.uow);
    const retrying = new ReleaseStore(losing);
    for (const unit of ['create release', 'final status succeeded', 'cancel queued release', 'interrupt release', 'append log']) {
      losing.loseReplyAfterCommit(unit);
    }
    const a = await retrying.create(newRelease({ lockKey: 'a' }));
    expect(await retrying.tryStart(a, 'w1')).toBe(true);
    await retrying.appendLog(a.id, 1, ['x', 'y', 'z']);
    await retrying.finish(a.id, 'w1', done());
    const b = await retrying.create(newRelease({ lockKey: 'b' }));
    await retrying.cancelQueued(b.id, 'alice');
    const c = await retrying.create(newRelease({ lockKey: 'c' }));
    expect(await retrying.tryStart(c, 'w1')).toBe(true);
    await retrying.interrupt(c.id, 'w1', 'worker gone');
    // Every armed unit really ran twice (its first attempt committed), yet each release counts once.
    for (const unit of ['create release', 'final status succeeded', 'cancel queued release', 'interrupt release', 'append log']) {
      expect(losing.attempts.get(unit), unit).toBeGreaterThanOrEqual(2);
    }
    await expectFiguresMatchTable();
    expect((await figures()).totals.created).toEqual([{ template: 'hello', count: 3 }]);
    expect((await figures()).totals.logLines).toBe(3);
  });

  it('concurrent transitions of one template all count (sharded rows, no lost update)', async () => {
    const created = await Promise.all(Array.from({ length: 40 }, (_, i) => store.create(newRelease({ lockKey: `c:${i}` }))));
    await Promise.all(created.map(async (r) => {
      expect(await store.tryStart(r, 'w1')).toBe(true);
      expect(await store.finish(r.id, 'w1', done())).toBe(true);
    }));
    await expectFiguresMatchTable();
    expect((await figures()).totals.finished).toEqual([{ template: 'hello', status: 'succeeded', count: 40 }]);
  });

  it('deleting finished releases (retention) leaves the counters as they were', async () => {
    await runOne('hello', 'succeeded', 100, 4);
    await runOne('hello', 'failed', 100);
    const before = await figures();
    await db.query(`DELETE FROM releases WHERE status IN ('succeeded', 'failed')`);
    expect(await figures()).toEqual(before);
  });

  it('the migration backfills the counters from the releases already there, bucketed as the store does', async () => {
    expect(DURATION_BOUNDS_SECONDS).toEqual(RELEASE_DURATION_BUCKETS);
    await runOne('hello', 'succeeded', 700, 3);
    await runOne('hello', 'failed', 4_000, 6);
    await runOne('other', 'succeeded', 7_200_000);
    const c = await store.create(newRelease({ lockKey: 'q' }));
    await store.cancelQueued(c.id, 'alice');
    await store.create(newRelease({ lockKey: 'r' }));
    const incremental = await readReleaseCounters(db.dataSource);

    const migration = new HistoryScale1764430000000();
    const runner = db.dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    const sorted = (t: ReleaseCounterTotals) => ({ ...t, rows: [...t.rows].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))) });
    expect(sorted(await readReleaseCounters(db.dataSource))).toEqual(sorted(incremental));
  });
});

describe('keyset pages of releases', () => {
  /** Every page from the newest on, following nextBefore, with the ids seen. */
  async function walk(query: Omit<Parameters<ReleaseStore['list']>[0], 'before' | 'limit'>, limit: number, between?: () => Promise<void>) {
    const seen: number[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < 1_000; pages++) {
      const page = await store.list({ ...query, limit, before });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((r) => r.id));
      if (!page.more) return seen;
      before = page.nextBefore!;
      await between?.();
    }
    throw new Error('never reached the last page');
  }

  it('returns every release exactly once, newest first, while new ones are being created', async () => {
    const existing: number[] = [];
    for (let i = 0; i < 60; i++) existing.push((await store.create(newRelease({ template: i % 3 ? 'hello' : 'other', lockKey: `k${i}` }))).id);
    let creating = true;
    const createdMeanwhile: number[] = [];
    const creator = (async () => {
      while (creating) createdMeanwhile.push((await store.create(newRelease({ lockKey: 'meanwhile' }))).id);
    })();
    try {
      const seen = await walk({}, 7, async () => {
        createdMeanwhile.push((await store.create(newRelease({ lockKey: 'between' }))).id);
      });
      expect(new Set(seen).size).toBe(seen.length); // nothing twice
      expect(seen.filter((id) => existing.includes(id)).sort((a, b) => a - b)).toEqual(existing); // everything there before, once
      expect(seen.every((id) => existing.includes(id) || createdMeanwhile.includes(id))).toBe(true);
      const hello = await walk({ template: 'hello' }, 4);
      expect(new Set(hello).size).toBe(hello.length);
      expect(hello.filter((id) => existing.includes(id))).toEqual(existing.filter((_, i) => i % 3).reverse());
    } finally {
      creating = false;
      await creator;
    }
    expect(createdMeanwhile.length).toBeGreaterThan(0);
  });

  it('orders by creation time, filters by status, requester and date range, and pages back with after', async () => {
    const day = (d: number) => new Date(Date.UTC(2026, 10, d, 12));
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await store.create(newRelease({ requestedBy: i % 2 ? 'ci' : 'alice', lockKey: `d${i}` }));
      await db.query('UPDATE releases SET created_at = ? WHERE id = ?', [day(1 + i), r.id]);
      ids.push(r.id);
    }
    expect(await store.tryStart({ id: ids[4], lockKey: 'd4' }, 'w1')).toBe(true);
    // Created out of id order: the list is by creation time.
    await db.query('UPDATE releases SET created_at = ? WHERE id = ?', [day(30), ids[0]]);
    expect((await store.list({ limit: 2 })).items.map((r) => r.id)).toEqual([ids[0], ids[11]]);
    expect((await store.list({ limit: 5, status: 'running' })).items.map((r) => r.id)).toEqual([ids[4]]);
    const ci = await walk({ requestedBy: 'ci', createdFrom: day(4), createdTo: day(10) }, 2);
    expect(ci).toEqual([ids[7], ids[5], ids[3]]); // days 8, 6, 4: the end is exclusive

    const first = await store.list({ limit: 3 });
    const second = await store.list({ limit: 3, before: first.nextBefore! });
    expect(second.prevAfter).toBe(second.items[0].id);
    const back = await store.list({ limit: 3, after: second.prevAfter! });
    expect(back.items.map((r) => r.id)).toEqual(first.items.map((r) => r.id));
    expect(back.prevAfter).toBeNull(); // that is the newest page
    expect(back.nextBefore).toBe(first.nextBefore);
  });

  it('a cursor whose release was deleted (retention) pages on from where it was', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push((await store.create(newRelease({ lockKey: `g${i}` }))).id);
    await db.query('DELETE FROM releases WHERE id = ?', [ids[3]]);
    expect((await store.list({ limit: 10, before: ids[3] })).items.map((r) => r.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect((await store.list({ limit: 10, after: ids[3] })).items.map((r) => r.id)).toEqual([ids[5], ids[4]]);
  });
});
