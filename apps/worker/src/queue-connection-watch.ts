import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RELEASES_QUEUE, type ReleaseJobData, watchBullMqConnections } from '@slipway/queue';
import { ReleasesProcessor } from './releases.processor.js';

/**
 * Gives the worker's BullMQ connections (the consumer and the queue handle) the same outage reporting as
 * its other Redis clients: one line when lost, with the code, one when back. BullMQ creates them itself,
 * so they are watched here rather than in createRedis. Runs in onModuleInit, after @nestjs/bullmq has
 * created the Worker and before it starts fetching.
 */
@Injectable()
export class QueueConnectionWatch implements OnModuleInit {
  constructor(
    private readonly processor: ReleasesProcessor,
    @InjectQueue(RELEASES_QUEUE) private readonly queue: Queue<ReleaseJobData>,
  ) {}

  onModuleInit(): void {
    watchBullMqConnections(this.processor.worker, 'releases-worker');
    watchBullMqConnections(this.queue, 'releases-queue');
  }
}
