import { Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus text format's content type, for the /metrics responses. */
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/**
 * One registry per process (never prom-client's global one, so tests and libraries cannot collide).
 * Every series carries `service` (slipway-api / slipway-worker) so one Prometheus can scrape both kinds
 * of process without name clashes. Node's own figures (RSS, CPU, heap, event-loop delay) come with it
 * under their standard names (`process_resident_memory_bytes`, …) so stock dashboards work.
 *
 * `eventLoopDelayResolutionMs`: how often the event-loop delay monitor behind `nodejs_eventloop_lag_*`
 * samples (prom-client's default, 10 ms, unless given). Each sample wakes the process, idle or not.
 */
export function createMetricsRegistry(service: string, options: { eventLoopDelayResolutionMs?: number } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({
    register: registry,
    ...(options.eventLoopDelayResolutionMs !== undefined ? { eventLoopMonitoringPrecision: options.eventLoopDelayResolutionMs } : {}),
  });
  return registry;
}
