import type { JobsOptions } from 'bullmq';
import type { JobKindDefinition } from './job-kind.js';
import { RELEASES_QUEUE, type ReleaseJobData, releaseJobId } from './queue.constants.js';

/** One job per release (see releaseJob); a release runs for minutes, so the drain lets it finish. */
export const RELEASES_KIND: JobKindDefinition<ReleaseJobData> = {
  name: 'releases',
  queueName: RELEASES_QUEUE,
  jobName: 'release',
  concurrency: (config) => config.workerConcurrency,
  // Renewed every 15 s while the job runs; it lapses only if the process is gone.
  lockDuration: 30_000,
  // A stalled job (its worker died) is delivered once more; the runner sees the release is no longer
  // queued and does nothing, so nothing ever runs twice.
  maxStalledCount: 1,
  stalledInterval: 15_000,
  // The database is the record: finished jobs would only grow Redis with the history.
  defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
  drain: { policy: 'finish-in-flight' },
};

/**
 * The one description of a release's job, for every place that queues one: its id comes from the release
 * (adding it twice is a no-op), it is due at runAt, and it leaves Redis once finished, since the database
 * is the record and finished jobs would otherwise grow Redis with the history.
 */
export function releaseJob(releaseId: number, runAt: Date | null, now = Date.now()) {
  return {
    name: RELEASES_KIND.jobName,
    data: { releaseId } satisfies ReleaseJobData,
    opts: {
      jobId: releaseJobId(releaseId),
      delay: runAt ? Math.max(0, runAt.getTime() - now) : 0,
      ...RELEASES_KIND.defaultJobOptions,
    } satisfies JobsOptions,
  };
}

/**
 * The settings of a repeating pass (a job scheduler's one job per interval across the workers): a pass is
 * idempotent, so one cut short at shutdown is abandoned after a short grace and done by the next one, on
 * any worker; a stalled pass is delivered once more; finished passes leave Redis.
 */
const REPEATING_PASS = {
  lockDuration: 30_000,
  maxStalledCount: 1,
  stalledInterval: 15_000,
  defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
  drain: { policy: 'abandon-safely', graceMs: 2_000 },
} as const satisfies Partial<JobKindDefinition<unknown>>;

export const PENDING_OUTCOMES_QUEUE = 'pending-outcomes';

/**
 * Writes back the final outcomes kept in Redis while the DB was away (apps/worker pending-outcomes.ts):
 * one pass per interval across the cluster instead of one per worker. Every write is conditional and an
 * entry leaves Redis only once written, so a pass cut short at shutdown is simply done by the next one.
 */
export const PENDING_OUTCOMES_KIND: JobKindDefinition<Record<string, never>> = {
  name: 'pending-outcomes',
  queueName: PENDING_OUTCOMES_QUEUE,
  jobName: 'write-back',
  concurrency: () => 1,
  ...REPEATING_PASS,
  repeat: { schedulerId: 'pending-outcomes', everyMs: (config) => config.housekeepingIntervalMs, data: {} },
};

export const SCHEDULES_QUEUE = 'schedules';

/**
 * The schedules ticker (libs/releases schedule-ticker.ts): one pass per SCHEDULE_POLL_MS across the workers.
 * Why a DB-driven pass rather than one BullMQ job scheduler per schedule: the database is the record (a
 * schedule, its cursor and its ticks live with the releases they make, survive a Redis flush and are
 * changed in one transaction), the daylight-saving rule and the missed-ticks grace are ours rather than
 * the library's, and vars are checked at each tick. Abandon-safely: a pass is idempotent (unique tick
 * claims, idempotency keys), so one cut short is finished by the next, on any worker.
 */
export const SCHEDULES_KIND: JobKindDefinition<Record<string, never>> = {
  name: 'schedules',
  queueName: SCHEDULES_QUEUE,
  jobName: 'tick',
  concurrency: () => 1,
  ...REPEATING_PASS,
  repeat: { schedulerId: 'schedules-ticker', everyMs: (config) => config.schedulePollMs, data: {} },
};

export const APPROVAL_EXPIRY_QUEUE = 'approval-expiry';

/**
 * Ends approval requests past their expiry (libs/releases ReleaseApprovals.expireDue): one pass per
 * SCHEDULE_POLL_MS across the workers. Each expiry is one conditional UPDATE (awaiting-approval →
 * expired), so two passes, or a pass cut short and done again, expire a request once.
 */
export const APPROVAL_EXPIRY_KIND: JobKindDefinition<Record<string, never>> = {
  name: 'approval-expiry',
  queueName: APPROVAL_EXPIRY_QUEUE,
  jobName: 'expire',
  concurrency: () => 1,
  ...REPEATING_PASS,
  repeat: { schedulerId: 'approval-expiry', everyMs: (config) => config.schedulePollMs, data: {} },
};

export const WEBHOOK_DELIVERY_QUEUE = 'webhook-delivery';

/**
 * Sends the outbox's due webhook deliveries (apps/worker webhooks/): one pass per WEBHOOK_POLL_MS across
 * the cluster, WEBHOOK_CONCURRENCY passes side by side per worker (a pass claims its deliveries, so passes
 * never send one twice while its claim runs). The database is the record: a pass cut short at shutdown or
 * by kill -9 leaves its claimed deliveries due again once their lease lapses.
 */
export const WEBHOOK_DELIVERY_KIND: JobKindDefinition<Record<string, never>> = {
  name: 'webhook-delivery',
  queueName: WEBHOOK_DELIVERY_QUEUE,
  jobName: 'deliver',
  concurrency: (config) => config.webhooks.concurrency,
  ...REPEATING_PASS,
  repeat: { schedulerId: 'webhook-delivery', everyMs: (config) => config.webhooks.pollMs, data: {} },
};

export const DNS_RENDER_QUEUE = 'dns-render';

/** A zone-render job: render zone `zoneId` as the DB holds it, once it is at least at `version`. */
export interface DnsRenderJobData {
  zoneId: number;
  version: number;
  /** Set when the zone was deleted: its file is removed instead. */
  removedZone?: string;
}

/**
 * Renders a DNS zone file after a change (libs/dns ZoneRenderer). One job per zone version (adding it twice
 * is a no-op); a job whose version is no longer the zone's newest leaves the render to the newer one's
 * job, so a burst of changes makes one or two renders. Renders take seconds: the drain lets them finish.
 */
export const DNS_RENDER_KIND: JobKindDefinition<DnsRenderJobData> = {
  name: 'dns-render',
  queueName: DNS_RENDER_QUEUE,
  jobName: 'render-zone',
  concurrency: (config) => config.dns.renderConcurrency,
  lockDuration: 30_000,
  maxStalledCount: 2,
  stalledInterval: 15_000,
  // A render that failed on the DB or Redis is tried again; a zone the checker refuses is not a failure.
  defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
  drain: { policy: 'finish-in-flight' },
};

/** The zone-render job of one committed change, delayed so a burst of changes coalesces. */
export function dnsRenderJob(zoneId: number, version: number, delayMs: number, removedZone?: string) {
  return {
    name: DNS_RENDER_KIND.jobName,
    data: (removedZone ? { zoneId, version, removedZone } : { zoneId, version }) satisfies DnsRenderJobData,
    opts: { jobId: `zone-${zoneId}-v${version}`, delay: delayMs, ...DNS_RENDER_KIND.defaultJobOptions } satisfies JobsOptions,
  };
}

/** Every kind the workers run, for the readers that report per kind (the API's /metrics). */
export const JOB_KINDS: readonly JobKindDefinition<unknown>[] = [
  RELEASES_KIND, PENDING_OUTCOMES_KIND, SCHEDULES_KIND, WEBHOOK_DELIVERY_KIND, DNS_RENDER_KIND, APPROVAL_EXPIRY_KIND,
];
