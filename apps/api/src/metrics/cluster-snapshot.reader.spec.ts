import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerClusterMetrics } from '@slipway/observability';
import type { WorkerRegistryEntry } from '@slipway/queue';
import { parsePrometheusText, sampleValue } from '../../../../test/support/prometheus-text.js';
import { kindFigures } from './cluster-snapshot.reader.js';

function worker(id: string, kinds?: WorkerRegistryEntry['kinds']): WorkerRegistryEntry {
  return { id, host: 'h', pid: 1, version: '1', concurrency: 2, state: 'active', releases: [], kinds, startedAt: '', heartbeatAt: '' };
}

describe('per-kind figures for /metrics', () => {
  it('adds up what the live workers report of each kind; a worker without kinds adds nothing', () => {
    const figures = kindFigures(
      [
        { kind: 'releases', jobs: { waiting: 3 } },
        { kind: 'pending-outcomes', jobs: { delayed: 1 } },
      ],
      [
        worker('a', { releases: { inFlight: 2, state: 'draining' }, 'pending-outcomes': { inFlight: 1, state: 'stopped' } }),
        worker('b', { releases: { inFlight: 1, state: 'active' }, 'pending-outcomes': { inFlight: 0, state: 'active' } }),
        worker('old'),
      ],
    );
    expect(figures).toEqual([
      { kind: 'releases', jobs: { waiting: 3 }, inFlight: 3, workers: { draining: 1, active: 1 } },
      { kind: 'pending-outcomes', jobs: { delayed: 1 }, inFlight: 1, workers: { stopped: 1, active: 1 } },
    ]);
  });

  it('renders them under a kind label, beside the unchanged slipway_queue_jobs and slipway_workers', async () => {
    const registry = new Registry();
    const kinds = kindFigures([{ kind: 'releases', jobs: { waiting: 3, delayed: 2 } }], [worker('a', { releases: { inFlight: 2, state: 'draining' } })]);
    registerClusterMetrics(registry, {
      read: async () => ({ totals: null, live: null, durations: null, queue: { waiting: 3, delayed: 2 }, workers: { active: 1 }, kinds }),
    });
    const families = parsePrometheusText(await registry.metrics());
    expect(sampleValue(families, 'slipway_jobs', { kind: 'releases', state: 'waiting' })).toBe(3);
    expect(sampleValue(families, 'slipway_jobs', { kind: 'releases', state: 'active' })).toBe(0);
    expect(sampleValue(families, 'slipway_jobs_in_flight', { kind: 'releases' })).toBe(2);
    expect(sampleValue(families, 'slipway_job_kind_workers', { kind: 'releases', state: 'draining' })).toBe(1);
    expect(sampleValue(families, 'slipway_job_kind_workers', { kind: 'releases', state: 'active' })).toBe(0);
    expect(sampleValue(families, 'slipway_queue_jobs', { state: 'waiting' })).toBe(3);
    expect(sampleValue(families, 'slipway_workers', { state: 'active' })).toBe(1);
  });
});
