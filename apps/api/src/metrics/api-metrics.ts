import type { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { dbRetryCounter } from '@slipway/db';
import { type EventedPool, ProcessMetrics, createMetricsRegistry, registerClusterMetrics } from '@slipway/observability';
import type { ClusterSnapshotReader } from './cluster-snapshot.reader.js';

/** Injection token of the API process's Prometheus registry. */
export const API_METRICS = Symbol('API_METRICS');

/** The API's registry: cluster-wide figures (DB/Redis at scrape time) plus this process's own. */
export async function createApiMetrics(reader: ClusterSnapshotReader, dataSource: DataSource, queue: Queue): Promise<Registry> {
  const registry = createMetricsRegistry('slipway-api');
  registerClusterMetrics(registry, reader);
  const processMetrics = new ProcessMetrics(registry, { dbRetries: () => dbRetryCounter.retries });
  // TypeORM types its mysql2 pool as `any`; only its events are used.
  processMetrics.watchDbPool((dataSource.driver as unknown as { pool?: EventedPool }).pool);
  processMetrics.watchRedis('queue', await queue.getBackend().client);
  return registry;
}
