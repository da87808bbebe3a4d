import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../../../../test/support/prometheus-text.js';
import { type ClusterSnapshot, RELEASE_DURATION_BUCKETS, registerClusterMetrics } from './cluster-metrics.js';

function registryWith(snapshot: ClusterSnapshot) {
  const registry = new Registry();
  let reads = 0;
  registerClusterMetrics(registry, {
    read: async () => {
      reads++;
      return snapshot;
    },
  });
  return { registry, reads: () => reads };
}

const snapshot: ClusterSnapshot = {
  totals: {
    created: [
      { template: 'hello', count: 6 },
      { template: 'fail', count: 1 },
    ],
    finished: [
      { template: 'hello', status: 'succeeded', count: 3 },
      { template: 'fail', status: 'failed', count: 1 },
    ],
    logLines: 41,
  },
  live: [
    { template: 'hello', status: 'queued', count: 2, waitingOnLock: 1 },
    { template: 'hello', status: 'running', count: 1, waitingOnLock: 0 },
    { template: 'hello', status: 'awaiting-approval', count: 4, waitingOnLock: 0 },
  ],
  durations: [{ template: 'hello', count: 3, sumSeconds: 4.5, cumulative: RELEASE_DURATION_BUCKETS.map((le) => (le < 1 ? 0 : le < 2.5 ? 2 : 3)) }],
  queue: { waiting: 4, active: 1, delayed: 2, prioritized: 0 },
  workers: { active: 2, draining: 1 },
  eventsIncomplete: 3,
};

describe('cluster metrics', () => {
  it('renders one snapshot per scrape as valid Prometheus text', async () => {
    const { registry, reads } = registryWith(snapshot);
    const families = parsePrometheusText(await registry.metrics());
    expect(reads()).toBe(1);
    expect(sampleValue(families, 'slipway_releases_created_total', { template: 'hello' })).toBe(6);
    expect(sampleValue(families, 'slipway_releases_finished_total', { template: 'hello', status: 'succeeded' })).toBe(3);
    expect(sampleValue(families, 'slipway_releases_finished_total', { template: 'hello', status: 'queued' })).toBeUndefined();
    expect(sampleValue(families, 'slipway_release_duration_seconds_bucket', { template: 'hello', le: '1' })).toBe(2);
    expect(sampleValue(families, 'slipway_release_duration_seconds_bucket', { template: 'hello', le: '+Inf' })).toBe(3);
    expect(sampleValue(families, 'slipway_release_duration_seconds_sum', { template: 'hello' })).toBe(4.5);
    expect(sampleValue(families, 'slipway_releases_in_flight')).toBe(1);
    expect(sampleValue(families, 'slipway_releases_queued')).toBe(2);
    expect(sampleValue(families, 'slipway_releases_waiting_on_lock')).toBe(1);
    // Waiting for approval is neither queued nor waiting on a lock (it holds none).
    expect(sampleValue(families, 'slipway_releases_awaiting_approval')).toBe(4);
    expect(sampleValue(families, 'slipway_log_lines_stored_total')).toBe(41);
    expect(sampleValue(families, 'slipway_queue_jobs', { state: 'delayed' })).toBe(2);
    expect(sampleValue(families, 'slipway_workers', { state: 'draining' })).toBe(1);
    expect(sampleValue(families, 'slipway_releases_events_incomplete')).toBe(3);
  });

  it('reports releases with incomplete events from each scrape, and a database away as source_up 0 (like the other gauges)', async () => {
    const { registry } = registryWith({ ...snapshot, eventsIncomplete: 5 });
    expect(sampleValue(parsePrometheusText(await registry.metrics()), 'slipway_releases_events_incomplete')).toBe(5);
    const away = parsePrometheusText(await registryWith({ ...snapshot, totals: null, live: null, durations: null, eventsIncomplete: null }).registry.metrics());
    expect(sampleValue(away, 'slipway_releases_events_incomplete')).toBe(0);
    expect(sampleValue(away, 'slipway_metrics_source_up', { source: 'database' })).toBe(0);
  });

  it('leaves out the series of a source that did not answer, and says so', async () => {
    const { registry } = registryWith({ ...snapshot, queue: null, workers: null });
    const families = parsePrometheusText(await registry.metrics());
    expect(families.get('slipway_queue_jobs')?.samples).toEqual([]);
    expect(families.get('slipway_workers')?.samples).toEqual([]);
    expect(sampleValue(families, 'slipway_metrics_source_up', { source: 'redis' })).toBe(0);
    expect(sampleValue(families, 'slipway_metrics_source_up', { source: 'database' })).toBe(1);
    expect(sampleValue(families, 'slipway_releases_created_total', { template: 'fail' })).toBe(1);
  });
});
