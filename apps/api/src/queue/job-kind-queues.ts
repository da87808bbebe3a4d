import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { JobType, Queue } from 'bullmq';
import { JOB_KINDS, RELEASES_QUEUE, watchBullMqConnections } from '@slipway/queue';
import { ReleasesQueueModule } from './releases-queue.module.js';

/** The kinds whose queue the API does not otherwise hold (the releases queue is ReleasesQueueModule's). */
const OTHER_KIND_QUEUES = JOB_KINDS.filter((kind) => kind.queueName !== RELEASES_QUEUE).map((kind) => ({ name: kind.queueName }));

/** The API's read-only handle on every job kind's queue, for /metrics (the API produces only releases). */
@Injectable()
export class JobKindQueues implements OnModuleInit {
  private queues: { kind: string; queue: Queue }[] = [];

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    this.queues = JOB_KINDS.map((kind) => ({ kind: kind.name, queue: this.moduleRef.get<Queue>(getQueueToken(kind.queueName), { strict: false }) }));
    // The releases queue is watched where it is used (ReleaseQueue); the others only here.
    for (const { queue } of this.queues) if (queue.name !== RELEASES_QUEUE) watchBullMqConnections(queue, `${queue.name}-queue`);
  }

  /** Job counts of each kind's queue, in the given BullMQ states. */
  counts<State extends JobType>(states: readonly State[]): Promise<{ kind: string; jobs: Partial<Record<State, number>> }[]> {
    return Promise.all(
      this.queues.map(async ({ kind, queue }) => ({ kind, jobs: (await queue.getJobCounts(...states)) as Partial<Record<State, number>> })),
    );
  }
}

@Module({
  imports: [ReleasesQueueModule, BullModule.registerQueue(...OTHER_KIND_QUEUES)],
  providers: [JobKindQueues],
  // BullModule too: a producer of another kind (the DNS routes) injects its queue from here, the one handle.
  exports: [JobKindQueues, BullModule],
})
export class JobKindQueuesModule {}
