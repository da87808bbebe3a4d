import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RELEASES_QUEUE, type ReleaseJobData, releaseJob, releaseJobId, watchBullMqConnections } from '@slipway/queue';
import type { ReleaseJobQueue } from '@slipway/releases';

const ENQUEUE_TIMEOUT_MS = 2_000;

/** The API's only use of BullMQ: add a release's job (job id derived from the release, so never twice). */
@Injectable()
export class ReleaseQueue implements OnModuleInit, ReleaseJobQueue {
  constructor(@InjectQueue(RELEASES_QUEUE) private readonly queue: Queue<ReleaseJobData>) {}

  /** Outages of the queue's Redis connection: one line when lost (with the code), one when back. */
  onModuleInit(): void {
    watchBullMqConnections(this.queue, 'releases-queue');
  }

  /** Rejects with the reason (the launcher answers it as unavailable) when the job was not added. */
  async enqueue(releaseId: number, runAt: Date | null): Promise<void> {
    const job = releaseJob(releaseId, runAt);
    const add = this.queue.add(job.name, job.data, job.opts);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ENQUEUE_TIMEOUT_MS);
    });
    try {
      await Promise.race([add, timeout]);
    } catch (error) {
      add.catch(() => undefined);
      throw error instanceof Error ? error : new Error(String(error));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Removes a job that has not started; a job already taken by a worker is left to it. */
  async removeIfWaiting(releaseId: number): Promise<void> {
    const job = await this.queue.getJob(releaseJobId(releaseId));
    if (job && !(await job.isActive())) await job.remove().catch(() => undefined);
  }
}
