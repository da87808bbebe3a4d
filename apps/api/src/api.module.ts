import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { catalogHolderProvider } from '@slipway/ansible';
import { ConfigModule, type SlipwayConfig } from '@slipway/config';
import { DbModule } from '@slipway/db';
import { redisOptions } from '@slipway/queue';
import {
  ApprovalStore, FreezeStore, IdempotencyStore, ReleaseApprovals, IdempotentLaunch, ReleaseCommits, ReleaseEventStore, ReleaseJobQueue, ReleaseLauncher, ReleaseStore, ScheduleCatalogCheck, ScheduleStore,
} from '@slipway/releases';
import { ApprovalsController } from './approvals/approvals.controller.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CatalogController } from './catalog/catalog.controller.js';
import { CatalogReloadService } from './catalog/catalog-reload.service.js';
import { HttpErrorsFilter } from './common/http-errors.filter.js';
import { RequestTimeoutInterceptor } from './common/request-timeout.interceptor.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { FreezesController } from './freezes/freezes.controller.js';
import { SchedulesController } from './schedules/schedules.controller.js';
import { DnsModule } from './dns/dns.module.js';
import { DnsReloadReleaseController } from './dns/dns-reload-release.controller.js';
import { ZoneReloadReleases } from '@slipway/dns';
import { HealthController } from './health/health.controller.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ReleasesQueueModule } from './queue/releases-queue.module.js';
import { ApiRedisModule } from './redis/api-redis.module.js';
import { HttpDrain } from './shutdown/http-drain.js';
import { ReleaseEventsController } from './releases/release-events.controller.js';
import { ReleaseEventsHub } from './releases/release-events.hub.js';
import { ReleaseQueue } from './releases/release-queue.js';
import { ReleasesController } from './releases/releases.controller.js';
import { ReleaseResultsController } from './releases/release-results.controller.js';
import { ReleasesService } from './releases/releases.service.js';
import { StreamSlots } from './releases/stream-slots.js';
import { TemplatesController } from './releases/templates.controller.js';
import { TokensModule } from './tokens/tokens.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { WorkersController } from './workers/workers.controller.js';

@Module({})
export class ApiModule {
  static forRoot(config: SlipwayConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        DbModule,
        BullModule.forRoot({
          // Fail fast: while Redis is away the API answers 503 at once instead of queueing commands.
          connection: redisOptions(config.redisUrl, { failFast: true, name: 'slipway-api' }),
          prefix: config.queuePrefix,
        }),
        ReleasesQueueModule,
        ApiRedisModule,
        MetricsModule,
        DashboardModule,
        AuthModule,
        AuditModule,
        TokensModule,
        WebhooksModule,
        DnsModule,
      ],
      controllers: [
        FreezesController, SchedulesController, ReleasesController, ReleaseResultsController, ReleaseEventsController, TemplatesController, CatalogController,
        HealthController, WorkersController, ApprovalsController,
        // Checks a zone's reload release with the launcher, which lives here.
        DnsReloadReleaseController,
      ],
      providers: [
        catalogHolderProvider,
        CatalogReloadService,
        ReleaseStore,
        ReleaseEventStore,
        ReleaseQueue,
        // The launcher adds jobs through the API's one BullMQ queue.
        { provide: ReleaseJobQueue, useExisting: ReleaseQueue },
        ReleaseCommits,
        IdempotencyStore,
        IdempotentLaunch,
        FreezeStore,
        ScheduleStore,
        ScheduleCatalogCheck,
        ReleaseLauncher,
        ZoneReloadReleases,
        ApprovalStore,
        ReleaseApprovals,
        ReleasesService,
        ReleaseEventsHub,
        StreamSlots,
        HttpDrain,
        { provide: APP_FILTER, useClass: HttpErrorsFilter },
        { provide: APP_INTERCEPTOR, useClass: RequestTimeoutInterceptor },
      ],
    };
  }
}
