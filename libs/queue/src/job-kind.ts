import type { JobsOptions } from 'bullmq';
import type { SlipwayConfig } from '@slipway/config';

/**
 * What warm shutdown does with a kind's jobs in flight (docs/architecture.md "Worker shutdown timeline").
 * - finish-in-flight: they run on until DRAIN_TIMEOUT_MS, then are stopped with the reason (releases).
 * - abandon-safely: the kind is told to stop, and is waited for at most `graceMs`; whatever is left is
 *   dropped (BullMQ redelivers it once its lock lapses), so only idempotent work may use it.
 */
export type DrainPolicy = { policy: 'finish-in-flight' } | { policy: 'abandon-safely'; graceMs: number };

/**
 * Everything about one kind of job, in one place: the API and the worker read it, and the worker runs
 * every kind registered (apps/worker/src/jobs). `Payload` is the job data's type.
 */
export interface JobKindDefinition<Payload> {
  /** Names the kind in the worker registry, /workers, /metrics and logs. */
  readonly name: string;
  readonly queueName: string;
  /** The BullMQ job name of the kind's jobs. */
  readonly jobName: string;
  /** Jobs of this kind one worker runs at once, from the config read at start. */
  readonly concurrency: (config: SlipwayConfig) => number;
  /** The job lock, renewed at half this while the job runs; it lapses only if the process is gone. */
  readonly lockDuration: number;
  readonly stalledInterval: number;
  /** How often a stalled job (its worker died) is delivered again before it fails. */
  readonly maxStalledCount: number;
  /** Options of every job of this kind (each producer adds its own id and delay). */
  readonly defaultJobOptions: JobsOptions;
  readonly drain: DrainPolicy;
  /**
   * A repeating kind: one job per interval across all workers (a BullMQ job scheduler, upserted by every
   * worker at start, so it exists as long as one worker does), and never more than one waiting.
   */
  readonly repeat?: { schedulerId: string; everyMs: (config: SlipwayConfig) => number; data: Payload };
}
