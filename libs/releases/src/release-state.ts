import type { ReleaseStatus } from '@slipway/db';

/**
 * queued → running → succeeded | failed | cancelled | interrupted, and queued → cancelled.
 * Approval (issue 22): awaiting-approval → queued (approved) | rejected | expired | cancelled.
 * Every status write in the store is conditional on the "from" states listed here, so a write that is
 * retried after a lost connection, or raced by another process, cannot apply twice or go backwards.
 */
export const TRANSITIONS: Readonly<Record<ReleaseStatus, readonly ReleaseStatus[]>> = {
  'awaiting-approval': ['queued', 'rejected', 'expired', 'cancelled'],
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled', 'interrupted'],
  succeeded: [],
  failed: [],
  cancelled: [],
  interrupted: [],
  rejected: [],
  expired: [],
};

/** The final statuses a run ends in (what the worker writes). */
export const RUN_FINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'interrupted'] as const;

/** Every final status: a run's, and those an approval ends in without a run. */
export const FINAL_STATUSES: readonly ReleaseStatus[] = [...RUN_FINAL_STATUSES, 'rejected', 'expired'];

/** Not final: the statuses a release can still leave (the one list; only `running` holds its lock key). */
export const OPEN_STATUSES: readonly ReleaseStatus[] = ['awaiting-approval', 'queued', 'running'];

export function isFinal(status: ReleaseStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** The statuses from which `to` may be reached, for the WHERE clause of a conditional update. */
export function sourcesOf(to: ReleaseStatus): ReleaseStatus[] {
  return (Object.keys(TRANSITIONS) as ReleaseStatus[]).filter((from) => TRANSITIONS[from].includes(to));
}
