import type { ReleaseStreamHostResultEvent, ReleaseStreamTaskEvent } from '@slipway/contracts';
import type { HostRecapCounts, ReleaseStatus } from '@slipway/db';

/** Published on the release's Redis channel after the change is stored, so a subscriber never sees a gap. */
export type ReleaseEvent =
  | { type: 'log'; firstSeq: number; lines: string[] }
  /** ansible's events as stored (issue 21): a task started, a host's result, the final stats stored. */
  | ReleaseStreamTaskEvent
  | ReleaseStreamHostResultEvent
  | { type: 'events-complete'; seq: number }
  | {
      type: 'status';
      status: ReleaseStatus;
      exitCode?: number | null;
      reason?: string | null;
      workerId?: string | null;
      recap?: Record<string, HostRecapCounts> | null;
    };
