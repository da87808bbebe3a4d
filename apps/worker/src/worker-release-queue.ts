import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RELEASES_QUEUE, type ReleaseJobData, releaseJob } from '@slipway/queue';
import type { ReleaseJobQueue } from '@slipway/releases';

/** The launcher's queue port on a worker (a schedule's tick launches there): the one release job description. */
@Injectable()
export class WorkerReleaseQueue implements ReleaseJobQueue {
  constructor(@InjectQueue(RELEASES_QUEUE) private readonly queue: Queue<ReleaseJobData>) {}

  async enqueue(releaseId: number, runAt: Date | null): Promise<void> {
    const job = releaseJob(releaseId, runAt);
    await this.queue.add(job.name, job.data, job.opts);
  }
}
