import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UnitOfWork } from '@slipway/db';
import { FINAL_STATUSES } from './release-state.js';

/** What retention deletes, as counted in `retention_totals` and on /metrics. */
export const RETENTION_KINDS = ['releases', 'log_chunks', 'release_events', 'audit_entries'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** A finished release past a cutoff, in (finished_at, id) order: the keyset cursor of a run. */
export interface ExpiredRelease {
  id: number;
  template: string;
  finishedAt: Date;
}

/** Which releases a candidate query walks: all finished ones, or those whose log is still stored. */
export type ExpiredScope = 'releases' | 'logs';

/**
 * A lock wait this long means another retention run holds the rows (nothing else writes finished
 * releases or their chunks): give up the statement and let the unit of work retry it, rather than
 * sit on InnoDB's default 50 s.
 */
const LOCK_WAIT_SECONDS = 5;
const FINAL_LIST = FINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * The SQL of retention (README "Retention"). Every statement touches at most `limit` rows found through
 * an index (see migration 1764440000000-retention), by primary key, in a transaction of its own, and
 * counts what it deleted in `retention_totals` in that same transaction: so a batch retried after a lost
 * connection, or two runs racing on the same rows, never count a row twice, and the totals never drift
 * from what was deleted. Only finished releases (final status, finished_at before the cutoff) are ever
 * selected, so queued and running releases and their logs are never touched.
 */
@Injectable()
export class RetentionStore {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Up to `limit` finished releases with finished_at strictly before `cutoff`, after `cursor` in
   * (finished_at, id) order. Scope `logs` leaves out releases whose log is already deleted.
   */
  findExpired(scope: ExpiredScope, cutoff: Date, cursor: ExpiredRelease | null, limit: number): Promise<ExpiredRelease[]> {
    return this.uow.run('retention: find expired releases', async (ds) => {
      const sql = expiredQuery(scope, cursor !== null);
      const params = cursor ? [cursor.finishedAt, cutoff, cursor.finishedAt, cursor.id, limit] : [cutoff, limit];
      const rows: { id: number; template: string; finished_at: Date }[] = await ds.query(sql, params);
      return rows.map((r) => ({ id: Number(r.id), template: r.template, finishedAt: r.finished_at }));
    });
  }

  /**
   * The lowest id among the newest `keep` finished releases of `template` (ids at or above it are kept);
   * 0 when the template has no more than `keep` finished releases (all kept); null when keep is 0.
   */
  keepFloor(template: string, keep: number): Promise<number | null> {
    if (keep === 0) return Promise.resolve(null);
    return this.uow.run('retention: keep floor', async (ds) => {
      const rows: { id: number }[] = await ds.query(keepFloorQuery(), [template, keep - 1]);
      return rows[0] ? Number(rows[0].id) : 0;
    });
  }

  /** Deletes up to `limit` log chunks of these (finished, expired) releases; returns how many. */
  deleteLogChunks(releaseIds: number[], limit: number): Promise<number> {
    if (releaseIds.length === 0) return Promise.resolve(0);
    return this.counted('log_chunks', 'retention: delete log chunks', (em) =>
      em.query(withLockWait(RETENTION_SQL.deleteLogChunks), [releaseIds, limit]),
    );
  }

  /** Deletes up to `limit` ansible events of these (finished, expired) releases (issue 21: they follow the log); returns how many. */
  deleteEvents(releaseIds: number[], limit: number): Promise<number> {
    if (releaseIds.length === 0) return Promise.resolve(0);
    return this.counted('release_events', 'retention: delete events', (em) =>
      em.query(withLockWait(RETENTION_SQL.deleteEvents), [releaseIds, limit]),
    );
  }

  /** Records that these releases' logs are gone (their chunks deleted first); returns how many rows changed. */
  markLogDeleted(releaseIds: number[], cutoff: Date, at: Date): Promise<number> {
    if (releaseIds.length === 0) return Promise.resolve(0);
    return this.uow.run('retention: mark logs deleted', async (ds) =>
      affectedRows(
        await ds.query(withLockWait(RETENTION_SQL.markLogDeleted), [at, releaseIds, cutoff]),
      ),
    );
  }

  /**
   * Deletes these releases (delete their chunks first: the FK cascade would take them uncounted and in one
   * big statement). The FK also cascades to their idempotency keys. Conditional on final status and the
   * cutoff again, so a list that went stale can never remove anything else.
   */
  deleteReleases(releaseIds: number[], cutoff: Date): Promise<number> {
    if (releaseIds.length === 0) return Promise.resolve(0);
    return this.counted('releases', 'retention: delete releases', (em) =>
      em.query(withLockWait(RETENTION_SQL.deleteReleases), [releaseIds, cutoff]),
    );
  }

  /** Deletes up to `limit` of the oldest audit entries recorded strictly before `cutoff`. */
  deleteAuditEntries(cutoff: Date, limit: number): Promise<number> {
    return this.counted('audit_entries', 'retention: delete audit entries', async (em) => {
      const rows: { id: number }[] = await em.query(RETENTION_SQL.findAuditEntries, [cutoff, limit]);
      if (rows.length === 0) return { affectedRows: 0 };
      return em.query(withLockWait(RETENTION_SQL.deleteAuditEntries), [rows.map((r) => Number(r.id)), cutoff]);
    });
  }

  /** Everything retention has deleted so far, by kind (0 for kinds never deleted). */
  totals(budgetMs?: number): Promise<Record<RetentionKind, number>> {
    return this.uow.run(
      'read retention totals',
      async (ds) => {
        const rows: { kind: string; deleted: unknown }[] = await ds.query('SELECT kind, deleted FROM retention_totals');
        const totals = Object.fromEntries(RETENTION_KINDS.map((kind) => [kind, 0])) as Record<RetentionKind, number>;
        for (const row of rows) if ((RETENTION_KINDS as readonly string[]).includes(row.kind)) totals[row.kind as RetentionKind] = Number(row.deleted);
        return totals;
      },
      budgetMs,
    );
  }

  /** One delete and its count in `retention_totals`, in one short transaction (retried whole). */
  private counted(kind: RetentionKind, name: string, remove: (em: EntityManager) => Promise<unknown>): Promise<number> {
    return this.uow.run(name, (ds) =>
      ds.transaction(async (em) => {
        const deleted = affectedRows(await remove(em));
        if (deleted > 0) {
          await em.query('INSERT INTO retention_totals (kind, deleted) VALUES (?, ?) ON DUPLICATE KEY UPDATE deleted = deleted + VALUES(deleted)', [
            kind,
            deleted,
          ]);
        }
        return deleted;
      }),
    );
  }
}

/**
 * The batch statements, exported so a test can EXPLAIN exactly what runs. Deletes and updates go by
 * primary key only (FORCE INDEX): a plan through idx_releases_status would lock a range of that index,
 * where running releases write their final status.
 */
export const RETENTION_SQL = {
  deleteLogChunks: 'DELETE FROM release_log_chunks WHERE release_id IN (?) ORDER BY release_id, first_seq LIMIT ?',
  deleteEvents: 'DELETE FROM release_events WHERE release_id IN (?) ORDER BY release_id, seq LIMIT ?',
  markLogDeleted: `UPDATE releases FORCE INDEX (PRIMARY) SET log_deleted_at = ?
                    WHERE id IN (?) AND status IN (${FINAL_LIST}) AND finished_at < ? AND log_deleted_at IS NULL`,
  // The multi-table form, because single-table DELETE takes no index hint.
  deleteReleases: `DELETE r FROM releases AS r FORCE INDEX (PRIMARY) WHERE r.id IN (?) AND r.status IN (${FINAL_LIST}) AND r.finished_at < ?`,
  findAuditEntries: 'SELECT id FROM audit_entries FORCE INDEX (idx_audit_at) WHERE at < ? ORDER BY at, id LIMIT ?',
  deleteAuditEntries: 'DELETE a FROM audit_entries AS a FORCE INDEX (PRIMARY) WHERE a.id IN (?) AND a.at < ?',
} as const;

function withLockWait(sql: string): string {
  return `SET STATEMENT innodb_lock_wait_timeout = ${LOCK_WAIT_SECONDS} FOR ${sql}`;
}

/**
 * The candidate query of a scope, exported so a test can EXPLAIN exactly what runs. FORCE INDEX: with a
 * cutoff that covers most of the table (retention just switched on) the optimizer could prefer a full
 * scan and a sort; the index range, read in order and stopped at LIMIT, is always the cheap plan.
 */
export function expiredQuery(scope: ExpiredScope, withCursor: boolean): string {
  const index = scope === 'logs' ? 'idx_releases_log_retention' : 'idx_releases_finished';
  const logsOnly = scope === 'logs' ? 'log_deleted_at IS NULL AND ' : '';
  const range = withCursor ? 'finished_at >= ? AND finished_at < ? AND (finished_at > ? OR id > ?)' : 'finished_at < ?';
  return `SELECT id, template, finished_at FROM releases FORCE INDEX (${index})
           WHERE ${logsOnly}${range} AND status IN (${FINAL_LIST})
           ORDER BY finished_at, id LIMIT ?`;
}

/** The keep-last-K query: walks the template's index backwards over its newest releases only. */
export function keepFloorQuery(): string {
  return `SELECT id FROM releases FORCE INDEX (idx_releases_template)
           WHERE template = ? AND status IN (${FINAL_LIST}) ORDER BY id DESC LIMIT 1 OFFSET ?`;
}

function affectedRows(result: unknown): number {
  if (result && typeof result === 'object' && 'affectedRows' in result) return Number(result.affectedRows);
  return 0;
}
