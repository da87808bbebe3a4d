/**
 * The lock predicate, written once: which release of a lock key may start, and who is ahead of whom.
 * Every query about lock order (tryStart, findBlocker, findNextInLock) is built from these fragments.
 *
 * - A release joins its lock key's queue when it becomes due: at its `run_at` if it was scheduled,
 *   otherwise when it was created. That moment is its due time.
 * - Among due releases of one lock key the order is FIFO by due time; equal due times go by id.
 * - A release starts only when it is queued, due, not being cancelled, no release of its lock key is
 *   `running` (whatever its id or schedule), and no release of its key that is due and ahead of it in
 *   that order is still queued.
 *
 * The fragments take the table aliases to compare; `isStartable` and `blocks` each hold exactly one `?`,
 * for "now", which the caller passes in the position the fragment takes in its statement.
 */

/** When a release joins the queue of its lock key. */
export function dueAt(alias: string): string {
  return `COALESCE(${alias}.run_at, ${alias}.created_at)`;
}

/** `alias` is queued for start at `?` (now): due and not being cancelled. One `?`. */
export function isStartable(alias: string): string {
  return `(${alias}.status = 'queued' AND ${alias}.cancel_requested_by IS NULL AND (${alias}.run_at IS NULL OR ${alias}.run_at <= ?))`;
}

/** `other` is ahead of `candidate` in FIFO order by due time, ties by id. */
export function isAheadOf(other: string, candidate: string): string {
  return `(${dueAt(other)} < ${dueAt(candidate)} OR (${dueAt(other)} = ${dueAt(candidate)} AND ${other}.id < ${candidate}.id))`;
}

/**
 * `other` keeps `candidate` from starting: same lock key, another release, and either running or
 * startable and ahead of it. One `?` (now).
 */
export function blocks(other: string, candidate: string): string {
  return `(${other}.lock_key = ${candidate}.lock_key AND ${other}.id <> ${candidate}.id
    AND (${other}.status = 'running' OR (${isStartable(other)} AND ${isAheadOf(other, candidate)})))`;
}

/** FIFO order among the releases of one lock key (the start order). */
export function lockOrder(alias: string): string {
  return `${dueAt(alias)}, ${alias}.id`;
}
