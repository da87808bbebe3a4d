import type { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { dbRetryCounter } from '@slipway/db';
import { Logger } from '@nestjs/common';
import { type EventedPool, ProcessMetrics, createMetricsRegistry, registerClusterMetrics, registerRetentionMetrics } from '@slipway/observability';
import type { RetentionStore } from '@slipway/releases';
import type { ClusterSnapshotReader } from './cluster-snapshot.reader.js';

/** Injection token of the API process's Prometheus registry. */
export const API_METRICS = Symbol('API_METRICS');

/**
 * The event-loop delay monitor samples every 100 ms instead of prom-client's 10 ms: at 10 ms its timer
 * woke the idle API 100 times a second, ~9 ms of CPU per second (more than half of an idle API's CPU,
 * about 1 ms per release in the throughput benchmark). The nodejs_eventloop_lag_* series are the same,
 * estimated from 10 samples a second instead of 100 (a stall still shows in max and the percentiles;
 * one shorter than 100 ms may fall between samples). The worker keeps the default.
 */
const EVENT_LOOP_DELAY_RESOLUTION_MS = 100;

/** A scrape must answer quickly even while the database is away: no long retries. */
const RETENTION_SCRAPE_BUDGET_MS = 1_000;

/** The API's registry: cluster-wide figures (DB/Redis at scrape time) plus this process's own. */
export async function createApiMetrics(
  reader: ClusterSnapshotReader,
  dataSource: DataSource,
  queue: Queue,
  retention: RetentionStore,
): Promise<Registry> {
  const registry = createMetricsRegistry('slipway-api', { eventLoopDelayResolutionMs: EVENT_LOOP_DELAY_RESOLUTION_MS });
  registerClusterMetrics(registry, reader);
  const logger = new Logger('Metrics');
  registerRetentionMetrics(registry, { read: () => retention.totals(RETENTION_SCRAPE_BUDGET_MS) }, (error) =>
    logger.warn(`metrics: retention figures unavailable (${error.message})`),
  );
  const processMetrics = new ProcessMetrics(registry, { dbRetries: () => dbRetryCounter.retries });
  // TypeORM types its mysql2 pool as `any`; only its events are used.
  processMetrics.watchDbPool((dataSource.driver as unknown as { pool?: EventedPool }).pool);
  processMetrics.watchRedis('queue', await queue.getBackend().client);
  return registry;
}
