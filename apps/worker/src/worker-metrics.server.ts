import { ReleaseEventMetrics } from './events/release-event-metrics.js';
import { type Server, createServer } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { dbRetryCounter } from '@slipway/db';
import { type EventedPool, PROMETHEUS_CONTENT_TYPE, ProcessMetrics, createMetricsRegistry } from '@slipway/observability';
import { JobKindRegistry } from './jobs/job-kind-registry.js';
import { ReleaseEventsPublisher } from './release-events.publisher.js';
import { ReleaseRunner } from './release-runner.js';

/**
 * The worker's own /metrics on WORKER_METRICS_PORT (off by default). Only figures about this process live
 * here (RSS, CPU, event-loop delay, releases in flight here, DB retries and reconnects, Redis reconnects);
 * everything cluster-wide (releases by status, durations, queue, workers) is on the API's /metrics, read
 * from the DB and Redis, so nothing has to travel through the registry.
 */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerMetrics');
  private server: Server | null = null;

  constructor(
    private readonly runner: ReleaseRunner,
    private readonly events: ReleaseEventsPublisher,
    private readonly dataSource: DataSource,
    private readonly jobKinds: JobKindRegistry,
    private readonly eventMetrics: ReleaseEventMetrics,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.workerMetricsPort;
    if (port === undefined) return;
    const registry = createMetricsRegistry('slipway-worker');
    const metrics = new ProcessMetrics(registry, { dbRetries: () => dbRetryCounter.retries });
    // TypeORM types its mysql2 pool as `any`; only its events are used.
    metrics.watchDbPool((this.dataSource.driver as unknown as { pool?: EventedPool }).pool);
    metrics.watchRedis('events', this.events.connection);
    this.eventMetrics.register(registry);
    ProcessMetrics.gauge(registry, 'slipway_worker_releases_in_flight', 'Releases this worker runs now', () => this.runner.inFlightIds.length);
    const jobKinds = this.jobKinds;
    new Gauge({
      name: 'slipway_worker_jobs_in_flight',
      help: 'Jobs this worker processes now, by job kind',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        for (const [kind, report] of Object.entries(jobKinds.report())) this.set({ kind }, report.inFlight);
      },
    });
    ProcessMetrics.gauge(registry, 'slipway_worker_concurrency', 'Releases this worker may run at once', () => this.config.workerConcurrency);

    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, this.config.host, () => resolve());
    });
    this.logger.log(`worker metrics on http://${this.config.host}:${port}/metrics`);
  }

  /** Scrapes must not hold the worker up when it has drained: drop keep-alive connections at once. */
  onApplicationShutdown(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}
