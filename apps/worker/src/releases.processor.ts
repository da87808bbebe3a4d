import { Injectable } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import type { ReleaseJobData } from '@slipway/queue';
import type { JobKindHandler } from './jobs/job-kind-handler.js';
import { ReleaseRunner } from './release-runner.js';
import type { StopRequest } from './release-outcome.js';

/** How often a release waiting on its lock re-checks, unless the holder wakes it earlier. */
export const LOCK_RECHECK_MS = 1_000;

/**
 * The releases kind (RELEASES_KIND); thin: it turns ReleaseRunner's answer into BullMQ moves. Its drain
 * is the runner's: the releases in flight run on until the deadline, then are interrupted with the reason.
 */
@Injectable()
export class ReleasesProcessor implements JobKindHandler<ReleaseJobData> {
  constructor(private readonly runner: ReleaseRunner) {}

  async process(job: Job<ReleaseJobData>, token?: string): Promise<void> {
    const result = await this.runner.run(job.data.releaseId);
    if (result.kind === 'done' || !token) return;
    const until = result.kind === 'not-due' ? result.runAt.getTime() : Date.now() + LOCK_RECHECK_MS;
    await job.moveToDelayed(until, token);
    throw new DelayedError();
  }

  whenIdle(): Promise<void> {
    return this.runner.whenIdle();
  }

  stopAll(request: StopRequest): void {
    this.runner.stopAll(request);
  }
}
