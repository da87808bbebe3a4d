import { z } from 'zod';
import { isoTime } from './common.js';
import { WORKER_STATES } from './enums.js';
import { named } from './registry.js';

/** A job kind's state on one worker: it also stops taking a kind on its own (e.g. a kind that is switched off). */
export const JOB_KIND_STATES = [...WORKER_STATES, 'stopped'] as const;

/** One job kind on one worker (libs/queue JobKindReport). */
export const jobKindReport = z.strictObject({
  inFlight: z.number().int().meta({ description: 'Jobs of the kind this worker is processing now' }),
  state: z.enum(JOB_KIND_STATES),
});

/** A live worker as it writes itself into the registry in Redis (libs/queue WorkerRegistryEntry). */
export const workerBody = named(
  'WorkerBody',
  z.strictObject({
    id: z.string().meta({ example: 'host:1234' }),
    host: z.string(),
    pid: z.number().int(),
    version: z.string(),
    concurrency: z.number().int(),
    state: z.enum(WORKER_STATES),
    releases: z.array(z.number().int()).meta({ description: 'Ids of the releases in flight' }),
    kinds: z
      .record(z.string(), jobKindReport)
      .optional()
      .meta({
        description: "Per job kind (e.g. releases, pending-outcomes): jobs in flight here and the kind's state (absent from workers older than job kinds)",
        example: { releases: { inFlight: 1, state: 'active' }, 'pending-outcomes': { inFlight: 0, state: 'active' } },
      }),
    startedAt: isoTime,
    heartbeatAt: isoTime,
  }),
);
export type Worker = z.infer<typeof workerBody>;

export const workerList = named('WorkerList', z.array(workerBody), 'Live workers, sorted by id');

/** A queued release held back by an earlier release of the same lock key. */
export const lockWaitBody = named(
  'LockWaitBody',
  z.strictObject({
    id: z.number().int(),
    template: z.string(),
    inventory: z.string(),
    lockKey: z.string(),
    waitingReason: z.string(),
    createdAt: isoTime,
  }),
);
export type LockWait = z.infer<typeof lockWaitBody>;

/** `GET /api/v1/queue`: counted in the releases table (apps/api queue-summary.reader.ts). */
export const queueSummaryBody = named(
  'QueueSummaryBody',
  z.strictObject({
    waiting: z.number().int().meta({ description: 'Queued and due: taken as soon as a worker and the lock key are free' }),
    running: z.number().int(),
    scheduled: z.number().int().meta({ description: 'Queued with a start time (runAt) still ahead' }),
    lockWaits: z.array(lockWaitBody).meta({ description: 'Releases waiting on a lock, oldest first (at most 100)' }),
  }),
);
export type QueueSummary = z.infer<typeof queueSummaryBody>;
