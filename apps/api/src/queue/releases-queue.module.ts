import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { RELEASES_QUEUE } from '@slipway/queue';

/**
 * The API's one handle on the releases queue, imported wherever it is injected: registering the queue
 * in two modules would open a second Redis connection that the outage watch and metrics do not see.
 */
@Module({
  imports: [BullModule.registerQueue({ name: RELEASES_QUEUE })],
  exports: [BullModule],
})
export class ReleasesQueueModule {}
