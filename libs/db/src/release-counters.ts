/**
 * The release_counters table (issue 12): cluster figures kept up to date in the same transaction as each
 * release's status change, so /metrics reads a few dozen rows however long the history is. Retention
 * deletes releases, never these rows: they are Prometheus counters and must not go down.
 *
 * One row per (template, status, duration bucket, shard):
 * - status 'queued' counts releases created; a final status counts releases that reached it;
 * - duration_le_ms is the upper bound (ms) of the histogram bucket the release's run time fell in,
 *   NO_DURATION when it never ran (created rows, a queued release cancelled), OVERFLOW_MS for +Inf;
 * - shard spreads the writers of one busy template over COUNTER_SHARDS rows, so concurrent releases do
 *   not queue on one row lock; readers sum the shards.
 */
export const RELEASE_COUNTERS_TABLE = 'release_counters';
/** Log lines stored, one row per shard (summed at read). */
export const LOG_LINE_COUNTERS_TABLE = 'release_log_line_counters';
export const COUNTER_SHARDS = 8;
export const NO_DURATION = 0;
/** The +Inf bucket: above every bound (INT UNSIGNED max). */
export const OVERFLOW_MS = 4_294_967_295;

/** A shard for one write: any will do, spread evenly. */
export function counterShard(): number {
  return Math.floor(Math.random() * COUNTER_SHARDS);
}

/**
 * SQL for the bucket a release's run time falls in, from its started_at/finished_at columns (aliased by
 * `table`), given the bucket bounds in seconds. Used by the store's writes and by the backfill migration.
 */
export function durationBucketSql(boundsSeconds: readonly number[], table = 'releases'): string {
  const ms = `TIMESTAMPDIFF(MICROSECOND, ${table}.started_at, ${table}.finished_at) / 1000`;
  const steps = boundsSeconds.map((s) => `WHEN ${ms} <= ${Math.round(s * 1000)} THEN ${Math.round(s * 1000)}`).join(' ');
  return `CASE WHEN ${table}.started_at IS NULL OR ${table}.finished_at IS NULL THEN ${NO_DURATION} ${steps} ELSE ${OVERFLOW_MS} END`;
}

/** The run time in whole milliseconds (0 when it never ran), for duration_ms. */
export function durationMsSql(table = 'releases'): string {
  return `COALESCE(GREATEST(ROUND(TIMESTAMPDIFF(MICROSECOND, ${table}.started_at, ${table}.finished_at) / 1000), 0), 0)`;
}

const FINAL_STATUS_LIST = `('succeeded', 'failed', 'cancelled', 'interrupted', 'rejected', 'expired')`;

/**
 * Fills empty counter tables from the releases table as it is (into shard 0): what the migration that
 * created them does, and what a benchmark that seeds releases by SQL does after seeding.
 */
export async function backfillReleaseCounters(query: (sql: string) => Promise<unknown>, boundsSeconds: readonly number[]): Promise<void> {
  await query(
    `INSERT INTO ${RELEASE_COUNTERS_TABLE} (template, status, duration_le_ms, shard, releases, duration_ms)
     SELECT template, 'queued', ${NO_DURATION}, 0, COUNT(*), 0 FROM releases GROUP BY template`,
  );
  await query(
    `INSERT INTO ${RELEASE_COUNTERS_TABLE} (template, status, duration_le_ms, shard, releases, duration_ms)
     SELECT template, status, bucket, 0, COUNT(*), SUM(ms)
       FROM (SELECT template, status, ${durationBucketSql(boundsSeconds)} AS bucket, ${durationMsSql()} AS ms
               FROM releases WHERE status IN ${FINAL_STATUS_LIST}) AS finished
      GROUP BY template, status, bucket`,
  );
  await query(`INSERT INTO ${LOG_LINE_COUNTERS_TABLE} (shard, log_lines) SELECT 0, COALESCE(SUM(log_lines), 0) FROM releases`);
}
