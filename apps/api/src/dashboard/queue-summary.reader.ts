import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@slipway/db';

/** A page read: short DB budget, like the rest of the API (the dashboard polls again in a second). */
const QUEUE_DB_BUDGET_MS = 2_000;
/** The workers view lists lock waits; more than this many is a backlog to read from the releases list. */
const MAX_LOCK_WAITS = 100;

export interface LockWait {
  id: number;
  template: string;
  inventory: string;
  lockKey: string;
  waitingReason: string;
  createdAt: Date;
}

export interface QueueSummary {
  /** Queued and due: taken as soon as a worker is free and the release's lock key is. */
  waiting: number;
  running: number;
  /** Queued with a start time (runAt) still ahead. */
  scheduled: number;
  /** Queued releases held back by an earlier release of the same lock key, oldest first. */
  lockWaits: LockWait[];
}

/** Queue counts for the dashboard's workers view, counted in the releases table (exact, whatever the backlog). */
@Injectable()
export class QueueSummaryReader {
  constructor(private readonly uow: UnitOfWork) {}

  read(now = new Date()): Promise<QueueSummary> {
    return this.uow.run(
      'read queue summary',
      async (ds) => {
        const [counts]: { waiting: unknown; scheduled: unknown; running: unknown }[] = await ds.query(
          `SELECT COALESCE(SUM(status = 'queued' AND (run_at IS NULL OR run_at <= ?)), 0) AS waiting,
                  COALESCE(SUM(status = 'queued' AND run_at > ?), 0) AS scheduled,
                  COALESCE(SUM(status = 'running'), 0) AS running
             FROM releases WHERE status IN ('queued', 'running')`,
          [now, now],
        );
        const waits: { id: number; template: string; inventory: string; lock_key: string; waiting_reason: string; created_at: Date }[] =
          await ds.query(
            `SELECT id, template, inventory, lock_key, waiting_reason, created_at FROM releases
              WHERE status = 'queued' AND waiting_reason IS NOT NULL ORDER BY id LIMIT ${MAX_LOCK_WAITS}`,
          );
        return {
          waiting: Number(counts?.waiting ?? 0),
          scheduled: Number(counts?.scheduled ?? 0),
          running: Number(counts?.running ?? 0),
          lockWaits: waits.map((w) => ({
            id: Number(w.id),
            template: w.template,
            inventory: w.inventory,
            lockKey: w.lock_key,
            waitingReason: w.waiting_reason,
            createdAt: w.created_at,
          })),
        };
      },
      QUEUE_DB_BUDGET_MS,
    );
  }
}
