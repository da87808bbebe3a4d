import type { EntityManager } from 'typeorm';
import {
  LOG_LINE_COUNTERS_TABLE,
  NO_DURATION,
  OVERFLOW_MS,
  RELEASE_COUNTERS_TABLE,
  counterShard,
  durationBucketSql,
  durationMsSql,
} from '@slipway/db';
import { RELEASE_DURATION_BUCKETS } from '@slipway/observability';

/** Anything that runs SQL: the EntityManager of the status change's own transaction, or a DataSource to read. */
type Sql = Pick<EntityManager, 'query'>;

/**
 * The writes that keep release_counters (libs/db release-counters.ts) in step with the releases table.
 * Each is called inside the transaction of the change it counts, and only when that change happened (its
 * conditional UPDATE or INSERT touched a row): a unit of work retried after a lost reply finds the change
 * already made, changes nothing and counts nothing, and a transaction that rolls back takes its count with it.
 */
export const releaseCounters = {
  async created(em: Sql, template: string): Promise<void> {
    await em.query(
      `INSERT INTO ${RELEASE_COUNTERS_TABLE} (template, status, duration_le_ms, shard, releases, duration_ms)
       VALUES (?, 'queued', ${NO_DURATION}, ?, 1, 0) ON DUPLICATE KEY UPDATE releases = releases + 1`,
      [template, counterShard()],
    );
  },

  /** After the release reached its final status in this transaction: counts it and its run time. */
  async finished(em: Sql, releaseId: number): Promise<void> {
    await em.query(
      `INSERT INTO ${RELEASE_COUNTERS_TABLE} (template, status, duration_le_ms, shard, releases, duration_ms)
       SELECT template, status, ${durationBucketSql(RELEASE_DURATION_BUCKETS)}, ?, 1, ${durationMsSql()} FROM releases WHERE id = ?
       ON DUPLICATE KEY UPDATE releases = releases + 1, duration_ms = duration_ms + VALUES(duration_ms)`,
      [counterShard(), releaseId],
    );
  },

  async logLines(em: Sql, lines: number): Promise<void> {
    await em.query(
      `INSERT INTO ${LOG_LINE_COUNTERS_TABLE} (shard, log_lines) VALUES (?, ?) ON DUPLICATE KEY UPDATE log_lines = log_lines + VALUES(log_lines)`,
      [counterShard(), lines],
    );
  },
};

export interface ReleaseCounterTotals {
  /** Per template and status ('queued' = created): releases, and per duration bucket bound (ms) those that ran. */
  rows: { template: string; status: string; durationLeMs: number | null; releases: number; durationMs: number }[];
  logLines: number;
}

/** Sums the shards: a few rows per template, whatever the number of releases. */
export async function readReleaseCounters(sql: Sql): Promise<ReleaseCounterTotals> {
  const rows: { template: string; status: string; le: unknown; n: unknown; ms: unknown }[] = await sql.query(
    `SELECT template, status, duration_le_ms AS le, SUM(releases) AS n, SUM(duration_ms) AS ms
       FROM ${RELEASE_COUNTERS_TABLE} GROUP BY template, status, duration_le_ms`,
  );
  const lines: { n: unknown }[] = await sql.query(`SELECT COALESCE(SUM(log_lines), 0) AS n FROM ${LOG_LINE_COUNTERS_TABLE}`);
  return {
    rows: rows.map((r) => ({
      template: r.template,
      status: r.status,
      durationLeMs: Number(r.le) === NO_DURATION ? null : Number(r.le) === OVERFLOW_MS ? Number.POSITIVE_INFINITY : Number(r.le),
      releases: Number(r.n),
      durationMs: Number(r.ms),
    })),
    logLines: Number(lines[0]?.n ?? 0),
  };
}
