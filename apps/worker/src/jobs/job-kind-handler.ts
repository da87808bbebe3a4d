import type { Job } from 'bullmq';
import type { StopRequest } from '../release-outcome.js';

/**
 * The worker's side of one job kind (its definition is in libs/queue): what to do with a job, and what "drain" means for it. The framework
 * (KindWorkers) owns the BullMQ worker, the hand-back of jobs fetched while draining, the in-flight
 * count the registry and /metrics report, and the shutdown order; a handler owns only its own work.
 */
export interface JobKindHandler<Payload = unknown> {
  /**
   * Runs one job. `token` is the job's lock token, for a handler that moves its job itself (delayed,
   * waiting: throw BullMQ's DelayedError or WaitingError after the move, as with any BullMQ processor).
   */
  process(job: Job<Payload>, token: string | undefined): Promise<void>;
  /**
   * finish-in-flight kinds: resolves once the work in hand has ended and its outcome is recorded. Without
   * it, the kind is idle when no job of it is in process().
   */
  whenIdle?(): Promise<void>;
  /** Stop the work in hand (the drain deadline, a crash; abandon-safely kinds also when the drain begins). */
  stopAll?(request: StopRequest): void;
}
