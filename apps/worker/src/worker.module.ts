import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, type SlipwayConfig } from '@slipway/config';
import { DbModule } from '@slipway/db';
import { APPROVAL_EXPIRY_KIND, DNS_RENDER_KIND, PENDING_OUTCOMES_KIND, RELEASES_KIND, SCHEDULES_KIND, WEBHOOK_DELIVERY_KIND, redisOptions } from '@slipway/queue';
import { ZoneReloadReleases, ZoneRenderer } from '@slipway/dns';
import { DnsRenderProcessor } from './dns-render.processor.js';
import {
  ApprovalStore, FreezeStore, IdempotencyStore, ReleaseApprovals, IdempotentLaunch, ReleaseCommits, ReleaseEventStore, ReleaseJobQueue, ReleaseLauncher, ReleaseStore, RetentionStore, ScheduleStore, ScheduleTicker,
} from '@slipway/releases';
import { AuditWriter } from '@slipway/db';
import { ReleaseEventMetrics } from './events/release-event-metrics.js';
import { SchedulesProcessor } from './schedules.processor.js';
import { ApprovalExpiryProcessor } from './approval-expiry.processor.js';
import { WorkerReleaseQueue } from './worker-release-queue.js';
import { DnsLostRenders } from './dns-lost-renders.js';
import { AnsibleVersionCache } from './ansible-version.js';
import { CancelListener } from './cancel-listener.js';
import { CatalogWatch } from './catalog-watch.js';
import { catalogHolderProvider } from '@slipway/ansible';
import { HeartbeatLease } from './heartbeat-lease.js';
import { type JobKindEntry, jobKind, jobKindModuleParts } from './jobs/job-kind-providers.js';
import { Housekeeping } from './housekeeping.js';
import { PendingOutcomes } from './pending-outcomes.js';
import { PendingOutcomesProcessor } from './pending-outcomes.processor.js';
import { ReleaseEventsPublisher } from './release-events.publisher.js';
import { ReleaseRunner } from './release-runner.js';
import { ReleasesProcessor } from './releases.processor.js';
import { Retention } from './retention.js';
import { RunDirectories } from './run-directory.js';
import { RunSpawner } from './run-spawner.js';
import { ShutdownCoordinator } from './shutdown-coordinator.js';
import { WorkerMetricsServer } from './worker-metrics.server.js';
import { WorkerRegistry } from './worker-registry.js';
import { WebhookDeliveryProcessor } from './webhooks/webhook-delivery.processor.js';
import { WebhookDeliveryStore } from './webhooks/webhook-delivery.store.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';

/**
 * Every job kind this worker runs: its definition (libs/queue) and its handler. A new kind is one line
 * here; the framework (./jobs) creates its BullMQ worker, drains it and reports it.
 */
const JOB_KINDS: readonly JobKindEntry[] = [
  jobKind(RELEASES_KIND, ReleasesProcessor),
  jobKind(PENDING_OUTCOMES_KIND, PendingOutcomesProcessor),
  jobKind(SCHEDULES_KIND, SchedulesProcessor),
  jobKind(WEBHOOK_DELIVERY_KIND, WebhookDeliveryProcessor),
  jobKind(DNS_RENDER_KIND, DnsRenderProcessor),
  jobKind(APPROVAL_EXPIRY_KIND, ApprovalExpiryProcessor),
];

@Module({})
export class WorkerModule {
  static forRoot(config: SlipwayConfig): DynamicModule {
    const jobKinds = jobKindModuleParts(JOB_KINDS);
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        DbModule,
        BullModule.forRoot({
          connection: redisOptions(config.redisUrl, { name: 'slipway-worker' }),
          prefix: config.queuePrefix,
        }),
        ...jobKinds.imports,
      ],
      providers: [
        catalogHolderProvider,
        ReleaseStore,
        ReleaseEventStore,
        ReleaseEventMetrics,
        ReleaseEventsPublisher,
        PendingOutcomes,
        HeartbeatLease,
        RunDirectories,
        // A factory: its one constructor argument (the probe) is for tests, not for Nest to inject.
        { provide: AnsibleVersionCache, useFactory: () => new AnsibleVersionCache() },
        RunSpawner,
        ReleaseRunner,
        WorkerRegistry,
        ShutdownCoordinator,
        CancelListener,
        CatalogWatch,
        RetentionStore,
        Retention,
        Housekeeping,
        // A schedule's tick launches on the worker, through the one launcher (never over HTTP to the API).
        WorkerReleaseQueue,
        { provide: ReleaseJobQueue, useExisting: WorkerReleaseQueue },
        ReleaseCommits,
        IdempotencyStore,
        IdempotentLaunch,
        AuditWriter,
        FreezeStore,
        ReleaseLauncher,
        ApprovalStore,
        ReleaseApprovals,
        ScheduleStore,
        ScheduleTicker,
        WebhookDeliveryStore,
        WebhookDispatcher,
        ZoneReloadReleases,
        ZoneRenderer,
        DnsLostRenders,
        ...jobKinds.providers,
        WorkerMetricsServer,
      ],
    };
  }
}
