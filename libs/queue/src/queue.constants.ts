/** The one queue Slipway uses: one job per release, job id `release-<id>` so adding twice is a no-op. */
export const RELEASES_QUEUE = 'releases';

export interface ReleaseJobData {
  releaseId: number;
}

export function releaseJobId(releaseId: number): string {
  // BullMQ refuses purely numeric custom ids.
  return `release-${releaseId}`;
}

/** Redis keys and channels outside BullMQ's own, all under the queue prefix so test suites never meet. */
export function slipwayKeys(prefix: string) {
  return {
    /** One worker's JSON registry entry; it expires with the worker's heartbeat (its liveness). */
    workerKey: (workerId: string) => `${prefix}:worker:${workerId}`,
    /** Sorted set of worker ids (score: when their key expires), so readers never SCAN the keyspace. */
    workerIndex: `${prefix}:workers`,
    /** Pub/sub: log batches and status changes of one release, for SSE clients. */
    releaseChannel: (releaseId: number) => `${prefix}:release-events:${releaseId}`,
    /** Pub/sub: cancel requests, read by whichever worker runs the release. */
    cancelChannel: `${prefix}:cancel`,
    /** Final outcomes that could not reach the DB; written back by the reconciler. */
    pendingOutcomes: `${prefix}:pending-outcomes`,
    /** Counter: +1 for each catalog reload the API applied; a worker behind it reloads before its next release. */
    catalogGeneration: `${prefix}:catalog:generation`,
    /** Pub/sub: "the API applied a catalog reload" (CatalogReloadNotice); each worker re-reads its own file. */
    catalogReloadChannel: `${prefix}:catalog:reload`,
    /** Held (SET NX PX) by the one worker doing a retention run, so several workers never do the same batch. */
    retentionLock: `${prefix}:retention-lock`,
  };
}
export type SlipwayKeys = ReturnType<typeof slipwayKeys>;

export type WorkerState = 'active' | 'draining';

/** One job kind on one worker: `draining` once its fetching closes, `stopped` once its jobs are done. */
export type JobKindState = 'active' | 'draining' | 'stopped';

export interface JobKindReport {
  /** Jobs of the kind this worker is processing now. */
  inFlight: number;
  state: JobKindState;
}

/** What each worker writes about itself in Redis (GET /api/v1/workers lists these). */
export interface WorkerRegistryEntry {
  id: string;
  host: string;
  pid: number;
  version: string;
  concurrency: number;
  state: WorkerState;
  releases: number[];
  /** Per job kind (see JOB_KINDS); absent from workers started before the job framework. */
  kinds?: Record<string, JobKindReport>;
  startedAt: string;
  heartbeatAt: string;
}

/** Published on the catalog reload channel by the API (workers read the generation key, not this, to decide). */
export interface CatalogReloadNotice {
  generation: number;
  by: string;
}

/** Published on the cancel channel by the API. */
export interface CancelRequest {
  releaseId: number;
  by: string;
}
