import type { ReleaseStatus } from '@slipway/db';

/**
 * queued → running → succeeded | failed | cancelled | interrupted, and queued → cancelled.
 * Every status write in the store is conditional on the "from" states listed here, so a write that is
 * retried after a lost connection, or raced by another process, cannot apply twice or go backwards.
 */
export const TRANSITIONS: Readonly<Record<ReleaseStatus, readonly ReleaseStatus[]>> = {
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled', 'interrupted'],
  succeeded: [],
  failed: [],
  cancelled: [],
  interrupted: [],
};

export const FINAL_STATUSES: readonly ReleaseStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export function isFinal(status: ReleaseStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** The statuses from which `to` may be reached, for the WHERE clause of a conditional update. */
export function sourcesOf(to: ReleaseStatus): ReleaseStatus[] {
  return (Object.keys(TRANSITIONS) as ReleaseStatus[]).filter((from) => TRANSITIONS[from].includes(to));
}
