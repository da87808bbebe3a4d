import type { HostRecapCounts, ReleaseStatus } from '@slipway/db';

/** Published on the release's Redis channel after the change is stored, so a subscriber never sees a gap. */
export type ReleaseEvent =
  | { type: 'log'; firstSeq: number; lines: string[] }
  | {
      type: 'status';
      status: ReleaseStatus;
      exitCode?: number | null;
      reason?: string | null;
      workerId?: string | null;
      recap?: Record<string, HostRecapCounts> | null;
    };
