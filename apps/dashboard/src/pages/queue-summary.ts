import type { Page, Release } from '../api/types';

export interface QueueSummary {
  /** Queued and due: a worker takes them as soon as one is free (or their lock is released). */
  waiting: number;
  running: number;
  /** Queued with a start time still in the future. */
  scheduled: number;
  /** Queued releases held back by an earlier release with the same lock key. */
  lockWaits: Release[];
}

/**
 * Queue counts from the releases list. `queued.total` is exact; the split into waiting and scheduled is
 * exact while there are no more queued releases than one page holds (and proportional beyond that).
 */
export function summarizeQueue(queued: Page<Release>, running: number, now: number): QueueSummary {
  const scheduledSeen = queued.items.filter((r) => r.runAt !== null && new Date(r.runAt).getTime() > now).length;
  const scheduled =
    queued.items.length >= queued.total ? scheduledSeen : Math.round((scheduledSeen / Math.max(1, queued.items.length)) * queued.total);
  return {
    waiting: queued.total - scheduled,
    running,
    scheduled,
    lockWaits: queued.items.filter((r) => r.waitingReason !== null && r.waitingReason !== ''),
  };
}
