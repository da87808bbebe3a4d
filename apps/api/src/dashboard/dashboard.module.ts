import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { DashboardFilesMiddleware } from './dashboard-files.middleware.js';
import { QueueController } from './queue.controller.js';
import { QueueSummaryReader } from './queue-summary.reader.js';

/**
 * The web dashboard: its static files (apps/dashboard, built by Vite) served at `/`, and the one read it
 * needs that no other resource answers (queue counts for the workers view).
 */
@Module({ controllers: [QueueController], providers: [DashboardFilesMiddleware, QueueSummaryReader] })
export class DashboardModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(DashboardFilesMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.GET });
  }
}
