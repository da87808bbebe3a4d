import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type RetentionPolicy,
  type RetentionReport,
  RETENTION_SQL,
  RetentionStore,
  expiredQuery,
  keepFloorQuery,
  runRetention,
} from '@slipway/releases';
import { dbRetryCounter } from '@slipway/db';
import { type MediumDb, createMediumDb } from './support/medium-db.js';

/** Issue 12, retention: its batch queries and edge cases on a real MariaDB. */
let db: MediumDb;
let store: RetentionStore;

beforeAll(async () => {
  db = await createMediumDb('retention');
  store = new RetentionStore(db.uow);
});
afterAll(() => db?.drop());
beforeEach(async () => {
  await db.truncate('idempotency_keys', 'release_log_chunks', 'release_events', 'releases', 'audit_entries', 'retention_totals');
});

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 86_400_000;
const daysAgo = (days: number, extraMs = 0) => new Date(NOW.getTime() - days * DAY - extraMs);

function policy(overrides: Partial<RetentionPolicy> = {}): RetentionPolicy {
  return {
    releaseCutoff: null,
    logCutoff: null,
    auditCutoff: null,
    keepPerTemplate: 0,
    batchSize: 100,
    batchPauseMs: 0,
    budgetMs: 60_000,
    ...overrides,
  };
}

interface Seeded {
  template?: string;
  status?: string;
  finishedAt?: Date | null;
  createdAt?: Date;
  chunks?: number;
  /** ansible events (release_events rows) of the release. */
  events?: number;
  idempotencyKey?: boolean;
}

/** A release row as the store leaves it, `chunks` log chunks of 10 lines each, optionally an idempotency key. */
async function seed(options: Seeded = {}): Promise<number> {
  const status = options.status ?? 'succeeded';
  const finishedAt = options.finishedAt === undefined ? daysAgo(40) : options.finishedAt;
  const createdAt = options.createdAt ?? new Date((finishedAt ?? NOW).getTime() - 60_000);
  const chunks = options.chunks ?? 2;
  const result: { insertId: number } = await db.dataSource.query(
    `INSERT INTO releases (template, inventory, extra_vars, lock_key, status, requested_by, created_at, started_at, finished_at, log_lines)
     VALUES (?, 'local', '{}', ?, ?, 'medium', ?, ?, ?, ?)`,
    [options.template ?? 'hello', `${options.template ?? 'hello'}:local`, status, createdAt, status === 'queued' ? null : createdAt, finishedAt, chunks * 10],
  );
  const id = Number(result.insertId);
  for (let c = 0; c < chunks; c++) {
    const first = c * 10 + 1;
    await db.query('INSERT INTO release_log_chunks (release_id, first_seq, last_seq, content) VALUES (?, ?, ?, ?)', [
      id,
      first,
      first + 9,
      Array.from({ length: 10 }, (_, i) => `line ${first + i}`).join('\n'),
    ]);
  }
  for (let seq = 1; seq <= (options.events ?? 0); seq++) {
    await db.query(`INSERT INTO release_events (release_id, seq, type, emitted_at, stored_at, data) VALUES (?, ?, 'task_start', NOW(3), NOW(3), '{}')`, [id, seq]);
  }
  if (options.idempotencyKey) {
    await db.query(`INSERT INTO idempotency_keys (scope, idem_key, request_hash, release_id, created_at) VALUES ('ci', ?, ?, ?, ?)`, [
      `key-${id}`,
      'h'.repeat(64),
      id,
      createdAt,
    ]);
  }
  return id;
}

async function seedAudit(at: Date, count = 1): Promise<void> {
  for (let i = 0; i < count; i++) {
    await db.query(`INSERT INTO audit_entries (at, actor, action, target_type, target_id, details) VALUES (?, 'ci', 'release.create', 'release', 1, '{}')`, [at]);
  }
}

const ids = async (sql: string, params: unknown[] = []) => (await db.query<{ id: number }>(sql, params)).map((r) => Number(r.id));
const releaseIds = () => ids('SELECT id FROM releases ORDER BY id');
const eventCount = async (releaseId: number) => Number((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM release_events WHERE release_id = ?', [releaseId]))[0]?.n);
const chunkCount = async (releaseId: number) => Number((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM release_log_chunks WHERE release_id = ?', [releaseId]))[0]?.n);
const count = async (table: string) => Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n);
const totals = () => store.totals();

/** A store that records how many rows each delete statement removed, to prove the batches are bounded. */
class RecordingStore extends RetentionStore {
  readonly deletes: { kind: string; rows: number }[] = [];
  readonly statements: string[] = [];
  override async findExpired(...args: Parameters<RetentionStore['findExpired']>) {
    this.statements.push('findExpired');
    return super.findExpired(...args);
  }
  override async deleteLogChunks(releaseIds: number[], limit: number) {
    this.statements.push('deleteLogChunks');
    const rows = await super.deleteLogChunks(releaseIds, limit);
    this.deletes.push({ kind: 'log_chunks', rows });
    return rows;
  }
  override async deleteEvents(releaseIds: number[], limit: number) {
    this.statements.push('deleteEvents');
    const rows = await super.deleteEvents(releaseIds, limit);
    this.deletes.push({ kind: 'release_events', rows });
    return rows;
  }
  override async deleteReleases(releaseIds: number[], cutoff: Date) {
    this.statements.push('deleteReleases');
    const rows = await super.deleteReleases(releaseIds, cutoff);
    this.deletes.push({ kind: 'releases', rows });
    return rows;
  }
  override async deleteAuditEntries(cutoff: Date, limit: number) {
    this.statements.push('deleteAuditEntries');
    const rows = await super.deleteAuditEntries(cutoff, limit);
    this.deletes.push({ kind: 'audit_entries', rows });
    return rows;
  }
}

describe('retention: what is deleted', () => {
  it('deletes finished releases strictly older than the cutoff, with their chunks and idempotency keys; one exactly at the cutoff stays', async () => {
    const cutoff = daysAgo(30);
    const older = await seed({ finishedAt: new Date(cutoff.getTime() - 1), chunks: 3, idempotencyKey: true, events: 4 });
    const atCutoff = await seed({ finishedAt: cutoff, chunks: 2, idempotencyKey: true });
    const newer = await seed({ finishedAt: daysAgo(1), chunks: 2 });
    const report = await runRetention(store, policy({ releaseCutoff: cutoff }));

    expect(await releaseIds()).toEqual([atCutoff, newer]);
    expect(await chunkCount(older)).toBe(0);
    expect(await chunkCount(atCutoff)).toBe(2);
    expect(await ids('SELECT release_id AS id FROM idempotency_keys')).toEqual([atCutoff]);
    expect(await eventCount(older)).toBe(0);
    expect(report).toMatchObject({ releases: 1, logChunks: 3, events: 4, logsOfReleases: 0, complete: true });
    expect(await totals()).toEqual({ releases: 1, log_chunks: 3, release_events: 4, audit_entries: 0 });
  });

  it('never touches a queued or running release, however old, nor its log', async () => {
    const cutoff = daysAgo(30);
    const queued = await seed({ status: 'queued', finishedAt: null, createdAt: daysAgo(90), chunks: 0 });
    const running = await seed({ status: 'running', finishedAt: null, createdAt: daysAgo(90), chunks: 4 });
    // Cannot happen through the store, but a running row with a stale finished_at must still be safe.
    const oddRunning = await seed({ status: 'running', finishedAt: daysAgo(80), chunks: 1 });
    await seed({ status: 'failed', finishedAt: daysAgo(60) }); // the one that goes
    await runRetention(store, policy({ releaseCutoff: cutoff, logCutoff: daysAgo(31) }));
    await runRetention(store, policy({ logCutoff: cutoff }));

    expect(await releaseIds()).toEqual([queued, running, oddRunning]);
    expect(await chunkCount(running)).toBe(4);
    expect(await chunkCount(oddRunning)).toBe(1);
    expect(await ids('SELECT id FROM releases WHERE log_deleted_at IS NOT NULL')).toEqual([]);
  });

  it('keeps the newest K finished releases of each template whatever their age; K above the count keeps them all', async () => {
    const a = [];
    for (let i = 0; i < 5; i++) a.push(await seed({ template: 'a', finishedAt: daysAgo(100 - i) }));
    const b = [await seed({ template: 'b', finishedAt: daysAgo(100) }), await seed({ template: 'b', finishedAt: daysAgo(99) })];
    // Newer than any of a's but not finished: it does not take one of a's K places.
    const aRunning = await seed({ template: 'a', status: 'running', finishedAt: null, chunks: 1 });
    const report = await runRetention(store, policy({ releaseCutoff: daysAgo(30), keepPerTemplate: 3 }));

    expect(await releaseIds()).toEqual([a[2], a[3], a[4], ...b, aRunning]);
    expect(report.releases).toBe(2);
  });

  it('logs only: deletes the chunks of old finished releases, keeps their rows and marks them; K protects logs too', async () => {
    const old = [await seed({ template: 'a', chunks: 3, events: 3 }), await seed({ template: 'a', chunks: 2 }), await seed({ template: 'a', chunks: 2, events: 2 })];
    const recent = await seed({ template: 'a', finishedAt: daysAgo(2) });
    const report = await runRetention(store, policy({ logCutoff: daysAgo(7), keepPerTemplate: 2 }));

    expect(await releaseIds()).toEqual([...old, recent]);
    // The two newest finished of `a` are old[2] and recent: both keep their logs.
    expect([await chunkCount(old[0]), await chunkCount(old[1]), await chunkCount(old[2]), await chunkCount(recent)]).toEqual([0, 0, 2, 2]);
    expect(await ids('SELECT id FROM releases WHERE log_deleted_at IS NOT NULL ORDER BY id')).toEqual([old[0], old[1]]);
    expect([await eventCount(old[0]), await eventCount(old[2])]).toEqual([0, 2]); // events follow the log
    expect(report).toMatchObject({ releases: 0, logChunks: 5, events: 3, logsOfReleases: 2 });

    const again = new RecordingStore(db.uow);
    const second = await runRetention(again, policy({ logCutoff: daysAgo(7), keepPerTemplate: 2 }));
    expect(second).toMatchObject({ releases: 0, logChunks: 0, logsOfReleases: 0 });
    // Cheap when there is nothing to do: only the releases kept by K are read again, in one statement.
    expect(again.statements).toEqual(['findExpired']);
  });

  it('audit entries go by their own setting only', async () => {
    await seed({ finishedAt: daysAgo(400) });
    await seedAudit(daysAgo(400), 3);
    await seedAudit(daysAgo(10), 2);

    await runRetention(store, policy({ releaseCutoff: daysAgo(30), logCutoff: daysAgo(20) }));
    expect(await count('audit_entries')).toBe(5);

    await seed({ finishedAt: daysAgo(400) });
    const report = await runRetention(store, policy({ auditCutoff: daysAgo(30) }));
    expect(await count('audit_entries')).toBe(2);
    expect(await count('releases')).toBe(1);
    expect(report).toMatchObject({ auditEntries: 3, releases: 0, logChunks: 0 });
    expect(await totals()).toEqual({ releases: 1, log_chunks: 2, release_events: 0, audit_entries: 3 });
  });

  it('does nothing at all with every cutoff off (the default)', async () => {
    await seed({ finishedAt: daysAgo(4000) });
    await seedAudit(daysAgo(4000));
    const recording = new RecordingStore(db.uow);
    const report = await runRetention(recording, policy());
    expect(recording.statements).toEqual([]);
    expect(report.batches).toBe(0);
    expect(await count('releases')).toBe(1);
  });
});

describe('retention: batches', () => {
  it('works in batches of at most batchSize rows per statement, and observably more than one', async () => {
    for (let i = 0; i < 7; i++) await seed({ chunks: 3, events: 3 });
    await seedAudit(daysAgo(400), 5);
    const recording = new RecordingStore(db.uow);
    const report = await runRetention(recording, policy({ releaseCutoff: daysAgo(30), auditCutoff: daysAgo(30), batchSize: 2 }));

    expect(report).toMatchObject({ releases: 7, logChunks: 21, events: 21, auditEntries: 5, complete: true });
    for (const kind of ['releases', 'log_chunks', 'release_events', 'audit_entries']) {
      const rows = recording.deletes.filter((d) => d.kind === kind).map((d) => d.rows);
      expect(rows.length, kind).toBeGreaterThan(1);
      expect(Math.max(...rows), kind).toBeLessThanOrEqual(2);
    }
    expect(report.batches).toBe(recording.deletes.length);
  });

  it('stops at its budget with work left (complete: false) and the next run goes on where it is', async () => {
    for (let i = 0; i < 6; i++) await seed({ chunks: 1 });
    const first = await runRetention(store, policy({ releaseCutoff: daysAgo(30), batchSize: 1, batchPauseMs: 30, budgetMs: 100 }));
    expect(first.complete).toBe(false);
    expect(await count('releases')).toBeGreaterThan(0);
    const second = await runRetention(store, policy({ releaseCutoff: daysAgo(30), batchSize: 1 }));
    expect(second.complete).toBe(true);
    expect(first.releases + second.releases).toBe(6);
    expect(await count('releases')).toBe(0);
  });

  it('two concurrent runs never double-delete, never double-count, never deadlock', async () => {
    // 120 old releases of 3 templates with 5 chunks each, in a few statements.
    await db.query(
      `INSERT INTO releases (template, inventory, extra_vars, lock_key, status, requested_by, created_at, started_at, finished_at, log_lines)
       SELECT CONCAT('t', seq % 3), 'local', '{}', 'x', 'succeeded', 'medium', ?, ?, ? - INTERVAL seq SECOND, 50 FROM seq_1_to_120`,
      [daysAgo(50), daysAgo(50), daysAgo(40)],
    );
    await db.query(
      `INSERT INTO release_log_chunks (release_id, first_seq, last_seq, content)
       SELECT r.id, s.seq * 10 + 1, s.seq * 10 + 10, 'x' FROM releases r JOIN seq_0_to_4 s`,
    );
    await db.query(
      `INSERT INTO idempotency_keys (scope, idem_key, request_hash, release_id, created_at) SELECT 'ci', CONCAT('k', id), REPEAT('h', 64), id, created_at FROM releases`,
    );
    await seedAudit(daysAgo(400), 30);
    const run = () => runRetention(store, policy({ releaseCutoff: daysAgo(30), auditCutoff: daysAgo(30), keepPerTemplate: 2, batchSize: 7 }));
    const retriesBefore = dbRetryCounter.retries;
    const reports: RetentionReport[] = await Promise.all([run(), run(), run()]);
    // No deadlock (1213) or lock wait (1205) was even retried: the runs lock rows in one order.
    expect(dbRetryCounter.retries - retriesBefore).toBe(0);

    const sum = (key: 'releases' | 'logChunks' | 'auditEntries') => reports.reduce((total, r) => total + r[key], 0);
    expect(sum('releases')).toBe(120 - 6);
    expect(sum('logChunks')).toBe((120 - 6) * 5);
    expect(sum('auditEntries')).toBe(30);
    expect(await totals()).toEqual({ releases: 114, log_chunks: 570, release_events: 0, audit_entries: 30 });
    expect(await count('releases')).toBe(6);
    expect(await count('release_log_chunks')).toBe(30);
    expect(await count('idempotency_keys')).toBe(6);
  });
});

describe('retention: query plans', () => {
  beforeEach(async () => {
    // Enough rows that the plan is the one a big table gets: most finished long ago, a few recent.
    await db.query(
      `INSERT INTO releases (template, inventory, extra_vars, lock_key, status, requested_by, created_at, started_at, finished_at, log_lines, log_deleted_at)
       SELECT CONCAT('t', seq % 20), 'local', '{}', 'x', IF(seq % 50 = 0, 'running', 'succeeded'), 'medium', ?, ?,
              IF(seq % 50 = 0, NULL, ? + INTERVAL seq SECOND), 1, IF(seq % 3 = 0, ?, NULL) FROM seq_1_to_4000`,
      [daysAgo(60), daysAgo(60), daysAgo(60), daysAgo(1)],
    );
    await db.query(`INSERT INTO audit_entries (at, actor, action, target_type, target_id, details)
                    SELECT ? + INTERVAL seq SECOND, 'ci', 'release.create', 'release', seq, '{}' FROM seq_1_to_4000`, [daysAgo(60)]);
    await db.query('ANALYZE TABLE releases, audit_entries');
  });

  type Plan = { table: string; type: string; key: string | null; Extra: string | null };
  const explain = (sql: string, params: unknown[]) => db.query<Plan>(`EXPLAIN ${sql}`, params);
  const cursor = [daysAgo(59), daysAgo(30), daysAgo(59), 100];

  it.each([
    ['releases', false],
    ['releases', true],
    ['logs', false],
    ['logs', true],
  ] as const)('expired %s (cursor: %s) is an index range read in order, no filesort', async (scope, withCursor) => {
    const [plan] = await explain(expiredQuery(scope, withCursor), withCursor ? [...cursor, 500] : [daysAgo(30), 500]);
    expect(plan?.key).toBe(scope === 'logs' ? 'idx_releases_log_retention' : 'idx_releases_finished');
    expect(plan?.type).toBe('range');
    expect(plan?.Extra ?? '').not.toMatch(/filesort/);
  });

  it('keep-last-K reads one template through its index, newest first', async () => {
    const [plan] = await explain(keepFloorQuery(), ['t3', 9]);
    expect(plan?.key).toBe('idx_releases_template');
    expect(plan?.type).toMatch(/^(ref|range)$/);
    expect(plan?.Extra ?? '').not.toMatch(/filesort/);
  });

  it('the deletes and updates go by primary key only; audit entries are found through idx_audit_at', async () => {
    const someIds = [[1, 2, 3, 50, 51]];
    const plans = {
      deleteLogChunks: await explain(RETENTION_SQL.deleteLogChunks, [...someIds, 500]),
      markLogDeleted: await explain(RETENTION_SQL.markLogDeleted, [NOW, ...someIds, daysAgo(30)]),
      deleteReleases: await explain(RETENTION_SQL.deleteReleases, [...someIds, daysAgo(30)]),
      deleteAuditEntries: await explain(RETENTION_SQL.deleteAuditEntries, [...someIds, daysAgo(30)]),
    };
    for (const [name, [plan]] of Object.entries(plans)) {
      expect(plan?.key, name).toBe('PRIMARY');
      expect(plan?.type, name).toBe('range');
    }
    const [audit] = await explain(RETENTION_SQL.findAuditEntries, [daysAgo(30), 500]);
    expect(audit?.key).toBe('idx_audit_at');
    expect(audit?.Extra ?? '').not.toMatch(/filesort/);
  });
});
