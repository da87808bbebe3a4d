import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { JobKindRegistry } from './jobs/job-kind-registry.js';
import type { StopRequest } from './release-outcome.js';
import { WorkerRegistry } from './worker-registry.js';

const STOP_SWEEP_MS = 250;
const FETCHER_CLOSE_GRACE_MS = 2_000;
/** After a crash, how long the final statuses may take to be written once the runs are dead. */
const CRASH_WRITE_GRACE_MS = 10_000;

export type ShutdownPhase = 'running' | 'draining' | 'cancelling' | 'stopped';

/** What the coordinator drains: the jobs of every kind (JobKindRegistry), each as its drain policy says. */
export interface DrainableWork {
  /** For the log: what is in flight now. */
  readonly inFlightIds: readonly unknown[];
  /** Resolves once nothing is left that the drain must wait for (final statuses written). */
  whenIdle(): Promise<void>;
  /** The deadline step: stop everything in flight with this reason (SIGINT, SIGKILL after CANCEL_GRACE_MS). */
  stopAll(request: StopRequest): void;
}

/** What the coordinator needs of one BullMQ worker; each job kind's worker provides one (KindWorkers). */
export interface JobFetcher {
  /** Stops fetching and resolves once jobs in hand are finished (BullMQ's close, which never times out). */
  close(): Promise<void>;
}

/**
 * The worker's warm shutdown: running → draining → cancelling → stopped (ARCHITECTURE.md timeline).
 * It runs in beforeApplicationShutdown, before Nest closes the DB pool and Redis, so every final status
 * is written while the connections are still open.
 */
@Injectable()
export class ShutdownCoordinator implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private currentPhase: ShutdownPhase = 'running';
  private readonly fetchers: JobFetcher[] = [];
  private escalateNow: (() => void) | null = null;
  private readonly escalated = new Promise<void>((resolve) => (this.escalateNow = resolve));
  private drainStartedAt = 0;

  constructor(
    // Every job kind's work; typed by what the drain needs of it, so a test can drain a fake.
    @Inject(JobKindRegistry) private readonly work: DrainableWork,
    private readonly registry: WorkerRegistry,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  get phase(): ShutdownPhase {
    return this.currentPhase;
  }

  get draining(): boolean {
    return this.currentPhase !== 'running';
  }

  /** One per job kind; all are closed together when the drain begins. */
  attachFetcher(fetcher: JobFetcher): void {
    this.fetchers.push(fetcher);
    // The signal came while the app was still starting: close the fetcher before it ever runs.
    if (this.draining) this.fetchersClosed = Promise.all([this.fetchersClosed, fetcher.close()]).then(() => undefined);
  }

  private closeFetchers(): Promise<void> {
    return Promise.all(this.fetchers.map((fetcher) => fetcher.close())).then(() => undefined);
  }

  /** First SIGTERM/SIGINT: stop fetching at once; announce `draining`. */
  beginDrain(signal: string): void {
    if (this.currentPhase !== 'running') return;
    this.currentPhase = 'draining';
    this.drainStartedAt = Date.now();
    this.fetchersClosed = this.closeFetchers();
    this.logger.log(`${signal}: draining ${this.describeInFlight()}, deadline in ${this.config.drainTimeoutMs} ms`);
    void this.registry.setState('draining');
  }

  /** Second signal: go straight to the deadline step. */
  escalate(signal: string): void {
    this.logger.warn(`${signal} again: interrupting releases in flight now`);
    this.escalateNow?.();
  }

  private fetchersClosed: Promise<void> = Promise.resolve();
  private crashing = false;

  /**
   * An uncaught error or unhandled rejection: the worker's state is no longer trusted, so it takes
   * nothing new, stops its runs (SIGINT, SIGKILL after CANCEL_GRACE_MS), lets the runner record them
   * `interrupted` with the reason, and the caller exits non-zero for its supervisor to restart it.
   * Bounded: past CANCEL_GRACE_MS + CRASH_WRITE_GRACE_MS it returns anyway (the runs' supervisors kill
   * them when the worker exits, and the next start sweeps their directories).
   */
  async crash(error: unknown): Promise<void> {
    if (this.crashing) return;
    this.crashing = true;
    const message = error instanceof Error ? error.message : String(error);
    const reason = `worker ${this.config.workerId} crashed (${message.split('\n')[0]?.slice(0, 300)})`;
    this.logger.error(`${reason}: stopping ${this.describeInFlight()} and exiting`);
    this.currentPhase = 'cancelling';
    void this.closeFetchers().catch(() => undefined);
    const request = { kind: 'interrupt', reason } as const;
    this.work.stopAll(request);
    const sweep = setInterval(() => this.work.stopAll(request), STOP_SWEEP_MS);
    const bound = new Promise((resolve) => setTimeout(resolve, this.config.cancelGraceMs + CRASH_WRITE_GRACE_MS).unref());
    try {
      await Promise.race([this.work.whenIdle(), bound]);
    } finally {
      clearInterval(sweep);
    }
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.beginDrain(signal ?? 'shutdown');
    const deadline = new Promise<'deadline'>((resolve) => {
      const timer = setTimeout(() => resolve('deadline'), this.config.drainTimeoutMs);
      timer.unref();
      void this.escalated.then(() => {
        clearTimeout(timer);
        resolve('deadline');
      });
    });
    const drained = Promise.all([this.work.whenIdle(), this.fetchersClosed]).then(() => 'drained' as const);
    if ((await Promise.race([drained, deadline])) === 'deadline') {
      this.currentPhase = 'cancelling';
      const reason = `worker ${this.config.workerId} shut down before the release finished (drain deadline ${this.config.drainTimeoutMs} ms)`;
      this.logger.warn(`drain deadline: interrupting ${this.describeInFlight()}`);
      const request = { kind: 'interrupt', reason } as const;
      // SIGINT now, SIGKILL after CANCEL_GRACE_MS; then the runner writes `interrupted`. Repeated, so a
      // release fetched just before the drain that registers only now is stopped as well.
      this.work.stopAll(request);
      const sweep = setInterval(() => this.work.stopAll(request), STOP_SWEEP_MS);
      try {
        await this.work.whenIdle();
        // Worker.close() never times out (a wedged Redis); the jobs' own ends are what matters.
        await Promise.race([this.fetchersClosed, new Promise((r) => setTimeout(r, FETCHER_CLOSE_GRACE_MS).unref())]);
        await this.work.whenIdle();
      } finally {
        clearInterval(sweep);
      }
    }
    this.currentPhase = 'stopped';
    this.logger.log(`drained in ${Date.now() - this.drainStartedAt} ms`);
  }

  private describeInFlight(): string {
    const ids = this.work.inFlightIds;
    return ids.length === 0 ? 'no job in flight' : `${ids.length} job(s) in flight (${ids.join(', ')})`;
  }
}
