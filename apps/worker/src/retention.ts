import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { slipwayKeys } from '@slipway/queue';
import { RetentionStore, deletedAnything, retentionEnabled, retentionPolicy, runRetention } from '@slipway/releases';
import { ReleaseEventsPublisher } from './release-events.publisher.js';

/** A run starts no batch after this long; a backlog (retention just switched on) goes on at the next tick. */
const RUN_BUDGET_MS = 20_000;
/** Outlives any run (budget plus one batch): a worker that dies mid-run frees the lock by expiry. */
const LOCK_TTL_MS = 120_000;
/** How long shutdown waits for a run in progress to finish its batch. */
const SHUTDOWN_WAIT_MS = 5_000;
/** Deletes the lock only if it is still ours (it may have expired and been taken by another worker). */
const RELEASE_LOCK_LUA = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Retention (README "Retention"), started by the housekeeping tick. At most one worker runs it at a time
 * (a Redis lock, SET NX PX); should the lock be lost, two runs are still safe, because every delete is
 * conditional and counted by the rows it removed (see RetentionStore). Off unless a RETENTION_*_DAYS is set.
 */
@Injectable()
export class Retention implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private readonly lockKey: string;
  private nextRunAt = 0;
  private current: Promise<void> | null = null;
  private stopping = false;
  private failing = false;

  constructor(
    private readonly store: RetentionStore,
    private readonly events: ReleaseEventsPublisher,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {
    this.lockKey = slipwayKeys(config.queuePrefix).retentionLock;
  }

  /** Called at every housekeeping tick; starts a run in the background when one is due. Never throws. */
  maybeRun(): void {
    if (!retentionEnabled(this.config.retention) || this.current || this.stopping || Date.now() < this.nextRunAt) return;
    this.current = this.run().finally(() => (this.current = null));
  }

  /**
   * A run in progress stops before its next batch; the worker's connections stay open until it has, or
   * for SHUTDOWN_WAIT_MS at most (a batch stuck retrying against a DB or Redis that is away must not
   * hold the exit up; it then fails, and is logged, once the connections close).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (!this.current) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.current, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    const { retention } = this.config;
    const token = randomUUID();
    const redis = this.events.connection;
    try {
      if ((await redis.set(this.lockKey, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
        this.nextRunAt = Date.now() + retention.intervalMs; // another worker is on it
        return;
      }
      try {
        const report = await runRetention(this.store, retentionPolicy(retention, new Date(), RUN_BUDGET_MS), () => this.stopping);
        if (deletedAnything(report)) {
          this.logger.log({
            retention: report,
            msg:
              `retention deleted ${report.releases} releases, ${report.logChunks} log chunks, ${report.events} ansible events (logs and events of ${report.logsOfReleases} more releases), ` +
              `${report.auditEntries} audit entries in ${report.batches} batches, ${report.durationMs} ms${report.complete ? '' : '; more to do'}`,
          });
        }
        // With work left, go on at the next tick rather than a whole interval later.
        this.nextRunAt = report.complete ? Date.now() + retention.intervalMs : 0;
        if (this.failing) this.logger.log('retention runs again');
        this.failing = false;
      } finally {
        await redis.eval(RELEASE_LOCK_LUA, 1, this.lockKey, token).catch(() => undefined);
      }
    } catch (error) {
      // Once per outage: the next run retries after an interval; the connection watchers say what is down.
      if (!this.failing) this.logger.warn(`retention run failed, retrying in ${retention.intervalMs} ms: ${(error as Error).message}`);
      this.failing = true;
      this.nextRunAt = Date.now() + retention.intervalMs;
    }
  }
}
