import { getQueueToken } from '@nestjs/bullmq';
import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RELEASES_QUEUE } from '@slipway/queue';
import { RetentionStore } from '@slipway/releases';
import { JobKindQueuesModule } from '../queue/job-kind-queues.js';
import { ReleasesQueueModule } from '../queue/releases-queue.module.js';
import { ApiRedisModule } from '../redis/api-redis.module.js';
import { API_METRICS, createApiMetrics } from './api-metrics.js';
import { ClusterSnapshotReader } from './cluster-snapshot.reader.js';
import { HttpMetricsMiddleware } from './http-metrics.middleware.js';
import { MetricsController } from './metrics.controller.js';

/** GET /metrics and the HTTP request-duration middleware. */
@Module({
  imports: [ReleasesQueueModule, JobKindQueuesModule, ApiRedisModule],
  controllers: [MetricsController],
  providers: [
    ClusterSnapshotReader,
    RetentionStore,
    {
      provide: API_METRICS,
      inject: [ClusterSnapshotReader, DataSource, getQueueToken(RELEASES_QUEUE), RetentionStore],
      useFactory: createApiMetrics,
    },
  ],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
