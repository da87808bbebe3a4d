import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { DashboardFilesMiddleware } from './dashboard-files.middleware.js';

/** The web dashboard's static files (apps/dashboard, built by Vite) served by the API at `/`. */
@Module({ providers: [DashboardFilesMiddleware] })
export class DashboardModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(DashboardFilesMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.GET });
  }
}
