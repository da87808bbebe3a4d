import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, Optional } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { UnitOfWork } from '@slipway/db';
import {
  type ClusterSnapshot,
  type ClusterSnapshotSource,
  type JobKindFigures,
  QUEUE_STATES,
  RELEASE_DURATION_BUCKETS,
  type ReleaseDurationRow,
  type ReleaseTotals,
} from '@slipway/observability';
import { RELEASES_QUEUE, type ReleaseJobData, type WorkerRegistryEntry, readLiveWorkers } from '@slipway/queue';
import { type ReleaseCounterTotals, countReleasesWithIncompleteEvents, readReleaseCounters } from '@slipway/releases';
import { JobKindQueues } from '../queue/job-kind-queues.js';
import { ApiRedis } from '../redis/api-redis.js';

/** A scrape must answer quickly even while a dependency is away: no long retries here. */
const SCRAPE_DB_BUDGET_MS = 1_000;

/**
 * Reads the cluster-wide figures for /metrics at scrape time: release counts, durations and log lines from
 * the counters the database keeps with each release's change (release_counters; the same whichever API
 * process answers, they survive restarts and retention), the releases queued or running from the releases
 * table, queue counts from BullMQ and worker states from the worker registry in Redis.
 * Reporting reads only; every write stays in ReleaseStore.
 */
@Injectable()
export class ClusterSnapshotReader implements ClusterSnapshotSource {
  private readonly logger = new Logger('Metrics');

  constructor(
    private readonly uow: UnitOfWork,
    @InjectQueue(RELEASES_QUEUE) private readonly queue: Queue<ReleaseJobData>,
    private readonly redis: ApiRedis,
    // Optional: a reader without it (a store test) reports no per-kind figures.
    @Optional() private readonly kindQueues?: JobKindQueues,
  ) {}

  async read(): Promise<ClusterSnapshot> {
    const [database, queue, live, kindJobs] = await Promise.all([
      this.quietly('database', () => this.readReleases()),
      this.quietly('redis', () => this.readQueue()),
      this.quietly('redis', () => this.readLiveWorkers()),
      this.kindQueues ? this.quietly('redis', () => this.kindQueues!.counts(QUEUE_STATES)) : null,
    ]);
    return {
      totals: database?.totals ?? null,
      live: database?.live ?? null,
      eventsIncomplete: database?.eventsIncomplete ?? null,
      durations: database?.durations ?? null,
      queue,
      workers: live && workersByState(live),
      kinds: live && kindJobs && kindFigures(kindJobs, live),
    };
  }

  /**
   * A few dozen counter rows, the releases queued or running now and the count of releases with incomplete
   * events (an index range of those and the running ones): the same cost at any history.
   */
  private readReleases(): Promise<Pick<ClusterSnapshot, 'totals' | 'live' | 'durations' | 'eventsIncomplete'>> {
    return this.uow.run(
      'read metrics',
      async (ds) => {
        const counters = await readReleaseCounters(ds);
        const live: { template: string; status: string; n: unknown; waiting: unknown }[] = await ds.query(
          `SELECT template, status, COUNT(*) AS n, COALESCE(SUM(waiting_reason IS NOT NULL), 0) AS waiting
             FROM releases WHERE status IN ('awaiting-approval', 'queued', 'running') GROUP BY template, status`,
        );
        const eventsIncomplete = await countReleasesWithIncompleteEvents(ds);
        return {
          ...fromCounters(counters),
          eventsIncomplete,
          live: live.map((r) => ({ template: r.template, status: r.status, count: Number(r.n), waitingOnLock: Number(r.waiting) })),
        };
      },
      SCRAPE_DB_BUDGET_MS,
    );
  }

  private async readQueue(): Promise<Partial<Record<(typeof QUEUE_STATES)[number], number>>> {
    return this.queue.getJobCounts(...QUEUE_STATES);
  }

  /** Two Redis commands whatever the keyspace holds (readLiveWorkers); every entry read is a live worker. */
  private readLiveWorkers(): Promise<WorkerRegistryEntry[]> {
    return readLiveWorkers(this.redis.client, this.redis.keys);
  }

  /** A source that fails leaves its series out of this scrape; the reason is logged, not thrown. */
  private async quietly<T>(source: string, read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (error) {
      this.logger.warn(`metrics: ${source} figures unavailable (${(error as Error).message})`);
      return null;
    }
  }
}

function workersByState(workers: WorkerRegistryEntry[]): Record<string, number> {
  const byState: Record<string, number> = {};
  for (const worker of workers) {
    const state = (worker as Partial<WorkerRegistryEntry>).state ?? 'unknown';
    byState[state] = (byState[state] ?? 0) + 1;
  }
  return byState;
}

/** Each kind's queue counts beside what the live workers report of it (a worker without `kinds` adds nothing). */
export function kindFigures(kindJobs: Pick<JobKindFigures, 'kind' | 'jobs'>[], workers: WorkerRegistryEntry[]): JobKindFigures[] {
  return kindJobs.map(({ kind, jobs }) => {
    const figures: JobKindFigures = { kind, jobs, inFlight: 0, workers: {} };
    for (const worker of workers) {
      const report = worker.kinds?.[kind];
      if (!report) continue;
      figures.inFlight += report.inFlight;
      figures.workers[report.state] = (figures.workers[report.state] ?? 0) + 1;
    }
    return figures;
  });
}

/** Counter rows → the snapshot's totals and per-template histograms (cumulative over the buckets). */
export function fromCounters(counters: ReleaseCounterTotals): { totals: ReleaseTotals; durations: ReleaseDurationRow[] } {
  const totals: ReleaseTotals = { created: [], finished: [], logLines: counters.logLines };
  const durations = new Map<string, ReleaseDurationRow>();
  for (const row of counters.rows) {
    if (row.status === 'queued') {
      totals.created.push({ template: row.template, count: row.releases });
      continue;
    }
    const finished = totals.finished.find((f) => f.template === row.template && f.status === row.status);
    if (finished) finished.count += row.releases;
    else totals.finished.push({ template: row.template, status: row.status, count: row.releases });
    if (row.durationLeMs === null) continue; // never ran: no duration
    let histogram = durations.get(row.template);
    if (!histogram) {
      histogram = { template: row.template, count: 0, sumSeconds: 0, cumulative: RELEASE_DURATION_BUCKETS.map(() => 0) };
      durations.set(row.template, histogram);
    }
    histogram.count += row.releases;
    histogram.sumSeconds += row.durationMs / 1000;
    const leMs = row.durationLeMs;
    RELEASE_DURATION_BUCKETS.forEach((bound, i) => {
      if (leMs <= Math.round(bound * 1000)) histogram.cumulative[i] += row.releases;
    });
  }
  return { totals, durations: [...durations.values()] };
}
