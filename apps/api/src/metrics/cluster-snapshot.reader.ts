import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { UnitOfWork } from '@slipway/db';
import {
  type ClusterSnapshot,
  type ClusterSnapshotSource,
  FINAL_STATUSES,
  QUEUE_STATES,
  RELEASE_DURATION_BUCKETS,
  type ReleaseCountRow,
  type ReleaseDurationRow,
} from '@slipway/observability';
import { RELEASES_QUEUE, type ReleaseJobData, type WorkerRegistryEntry, slipwayKeys } from '@slipway/queue';

/** A scrape must answer quickly even while a dependency is away: no long retries here. */
const SCRAPE_DB_BUDGET_MS = 1_000;
const REGISTRY_SCAN_COUNT = 500;

/**
 * Reads the cluster-wide figures for /metrics at scrape time: release counts, durations and log lines from
 * the releases table (so they are the same whichever API process answers, and survive restarts), queue
 * counts from BullMQ and worker states from the registry keys in Redis.
 * Reporting reads only; every write stays in ReleaseStore.
 */
@Injectable()
export class ClusterSnapshotReader implements ClusterSnapshotSource {
  private readonly logger = new Logger('Metrics');
  private readonly keys: ReturnType<typeof slipwayKeys>;

  constructor(
    private readonly uow: UnitOfWork,
    @InjectQueue(RELEASES_QUEUE) private readonly queue: Queue<ReleaseJobData>,
    @Inject(SLIPWAY_CONFIG) config: SlipwayConfig,
  ) {
    this.keys = slipwayKeys(config.queuePrefix);
  }

  async read(): Promise<ClusterSnapshot> {
    const [database, queue, workers] = await Promise.all([
      this.quietly('database', () => this.readReleases()),
      this.quietly('redis', () => this.readQueue()),
      this.quietly('redis', () => this.readWorkers()),
    ]);
    return { releases: database?.releases ?? null, durations: database?.durations ?? null, queue, workers };
  }

  private readReleases(): Promise<{ releases: ReleaseCountRow[]; durations: ReleaseDurationRow[] }> {
    return this.uow.run(
      'read metrics',
      async (ds) => {
        const counts: { template: string; status: string; n: unknown; log_lines: unknown; waiting: unknown }[] = await ds.query(
          `SELECT template, status, COUNT(*) AS n, COALESCE(SUM(log_lines), 0) AS log_lines,
                  COALESCE(SUM(status = 'queued' AND waiting_reason IS NOT NULL), 0) AS waiting
             FROM releases GROUP BY template, status`,
        );
        const bucketColumns = RELEASE_DURATION_BUCKETS.map((_, i) => `COALESCE(SUM(d <= ?), 0) AS b${i}`).join(', ');
        const durations: Record<string, unknown>[] = await ds.query(
          `SELECT template, COUNT(*) AS n, COALESCE(SUM(d), 0) AS total, ${bucketColumns}
             FROM (SELECT template, TIMESTAMPDIFF(MICROSECOND, started_at, finished_at) / 1000000 AS d
                     FROM releases
                    WHERE status IN (${FINAL_STATUSES.map(() => '?').join(', ')})
                      AND started_at IS NOT NULL AND finished_at IS NOT NULL) AS finished
            GROUP BY template`,
          [...RELEASE_DURATION_BUCKETS, ...FINAL_STATUSES],
        );
        return {
          releases: counts.map((r) => ({
            template: r.template,
            status: r.status,
            count: Number(r.n),
            logLines: Number(r.log_lines),
            waitingOnLock: Number(r.waiting),
          })),
          durations: durations.map((r) => ({
            template: String(r.template),
            count: Number(r.n),
            sumSeconds: Number(r.total),
            cumulative: RELEASE_DURATION_BUCKETS.map((_, i) => Number(r[`b${i}`])),
          })),
        };
      },
      SCRAPE_DB_BUDGET_MS,
    );
  }

  private async readQueue(): Promise<Partial<Record<(typeof QUEUE_STATES)[number], number>>> {
    return this.queue.getJobCounts(...QUEUE_STATES);
  }

  /** Registry keys expire with their worker's heartbeat, so every key found is a live worker. */
  private async readWorkers(): Promise<Record<string, number>> {
    const redis = await this.queue.getBackend().client;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, { MATCH: this.keys.workerPattern, COUNT: REGISTRY_SCAN_COUNT });
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    const byState: Record<string, number> = {};
    // A handful of workers: one GET each, sent together on the one connection.
    for (const json of await Promise.all(keys.map((key) => redis.get(key)))) {
      if (!json) continue; // expired between SCAN and GET
      const state = (JSON.parse(json) as Partial<WorkerRegistryEntry>).state ?? 'unknown';
      byState[state] = (byState[state] ?? 0) + 1;
    }
    return byState;
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
