import { Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AnsibleEventHead } from '@slipway/ansible';
import type { ReleaseEvent } from '@slipway/releases';

/** Ingest lag buckets (seconds): the target is p99 under 0.25 s at 5 000 events/s (issue 21). */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The worker's figures of ansible event capture (its /metrics, WORKER_METRICS_PORT): events stored (a
 * rate gives events per second), the lag from ansible raising an event to its commit, events not kept,
 * releases that ended with incomplete events. Counted whether or not the metrics server is on.
 */
@Injectable()
export class ReleaseEventMetrics {
  private readonly storedTotal = new Counter({ name: 'slipway_worker_ansible_events_stored_total', help: 'ansible events stored', registers: [] });
  private readonly lag = new Histogram({
    name: 'slipway_worker_ansible_event_ingest_lag_seconds',
    help: 'From ansible raising an event (the plugin) to its batch committed',
    buckets: LAG_BUCKETS,
    registers: [],
  });
  private readonly notKeptTotal = new Counter({ name: 'slipway_worker_ansible_events_not_kept_total', help: 'ansible events that could not be kept (bounded buffers)', registers: [] });
  private readonly incompleteTotal = new Counter({
    name: 'slipway_worker_releases_events_incomplete_total',
    help: 'Releases this worker finished whose events are incomplete (no final stats stored)',
    registers: [],
  });

  register(registry: Registry): void {
    for (const metric of [this.storedTotal, this.lag, this.notKeptTotal, this.incompleteTotal]) registry.registerMetric(metric);
  }

  stored(lagsMs: number[]): void {
    this.storedTotal.inc(lagsMs.length);
    for (const ms of lagsMs) this.lag.observe(ms / 1000);
  }

  notKept(total: number): void {
    if (total > 0) this.notKeptTotal.inc(total);
  }

  incomplete(): void {
    this.incompleteTotal.inc();
  }
}

/** The live stream's typed events of a stored batch (SSE `task` and `host-result`): masked, as stored. */
export function streamEventsOf(batch: readonly AnsibleEventHead[]): ReleaseEvent[] {
  const out: ReleaseEvent[] = [];
  for (const e of batch) {
    if (e.type === 'task_start') out.push({ type: 'task', seq: e.seq, taskId: e.taskId, task: e.task, action: e.action, path: e.path, handler: e.handler });
    else if (e.type === 'host_result' || e.type === 'item_result') {
      out.push({ type: 'host-result', seq: e.seq, taskId: e.taskId, task: e.task, host: e.host, status: e.status, changed: e.changed, item: e.type === 'item_result', durationMs: e.durationMs });
    } else if (e.type === 'stats') out.push({ type: 'events-complete', seq: e.seq });
  }
  return out;
}
