import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job, WaitingError } from 'bullmq';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { RELEASES_QUEUE, type ReleaseJobData } from '@slipway/queue';
import { ReleaseRunner } from './release-runner.js';
import { ShutdownCoordinator } from './shutdown-coordinator.js';

/** How often a release waiting on its lock re-checks, unless the holder wakes it earlier. */
export const LOCK_RECHECK_MS = 1_000;

/**
 * The one consumer of the releases queue; thin: it turns ReleaseRunner's answer into BullMQ moves.
 * Started by hand (autorun: false) once concurrency is set from the config.
 */
@Processor(RELEASES_QUEUE, {
  autorun: false,
  // The lock is renewed every 15 s while the job runs; it lapses only if the process is gone.
  lockDuration: 30_000,
  // A stalled job (its worker died) is delivered once more; the runner sees the release is no longer
  // queued and does nothing, so nothing ever runs twice.
  maxStalledCount: 1,
  stalledInterval: 15_000,
  // Short blocking waits so a draining worker leaves its fetch loop quickly.
  drainDelay: 1,
})
export class ReleasesProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('ReleasesProcessor');

  constructor(
    private readonly runner: ReleaseRunner,
    private readonly shutdown: ShutdownCoordinator,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.workerConcurrency;
    this.shutdown.attachFetcher({ close: () => this.worker.close() });
    // A signal during start-up: never begin fetching (the coordinator has closed the worker already).
    if (this.shutdown.draining) return;
    void this.worker.run();
  }

  async process(job: Job<ReleaseJobData>, token?: string): Promise<void> {
    if (this.shutdown.draining && token) {
      // Fetched in the instant the drain began: hand it to another worker rather than start it here.
      await job.moveToWait(token);
      this.logger.log({ releaseId: job.data.releaseId, msg: `release ${job.data.releaseId} fetched while draining: handed back to the queue` });
      throw new WaitingError();
    }
    const result = await this.runner.run(job.data.releaseId);
    if (result.kind === 'done' || !token) return;
    const until = result.kind === 'not-due' ? result.runAt.getTime() : Date.now() + LOCK_RECHECK_MS;
    await job.moveToDelayed(until, token);
    throw new DelayedError();
  }
}
