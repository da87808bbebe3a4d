import { Counter, Gauge, Histogram, type MetricObjectWithValues, type MetricType, type MetricValueWithName, type Registry } from 'prom-client';

/** Release durations (started → finished), seconds. Stub releases take milliseconds, real ones minutes. */
export const RELEASE_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'interrupted', 'rejected', 'expired'] as const;
import { WORKER_STATES } from '@slipway/contracts';
export { WORKER_STATES };
/** BullMQ job states shown as slipway_queue_jobs{state}. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized'] as const;

/**
 * Counters kept by the database in the same transaction as each release's change (release_counters), so
 * reading them costs the same at 10 M releases as at 100, and deleting old releases never lowers them.
 */
export interface ReleaseTotals {
  /** Releases created, by template. */
  created: { template: string; count: number }[];
  /** Releases that reached a final status, by template and status. */
  finished: { template: string; status: string; count: number }[];
  /** Log lines stored, over all releases. */
  logLines: number;
}

/** Releases queued or running now, by template and status: read from the table (bounded by the live work). */
export interface LiveReleaseRow {
  template: string;
  status: string;
  count: number;
  /** Queued releases whose `waiting_reason` is set (held back by an earlier release with the same lock). */
  waitingOnLock: number;
}

export interface ReleaseDurationRow {
  template: string;
  count: number;
  sumSeconds: number;
  /** Cumulative counts, one per RELEASE_DURATION_BUCKETS entry (count of durations ≤ that bound). */
  cumulative: number[];
}

/**
 * Cluster-wide state read at scrape time from the database and Redis. A part is null when its source did
 * not answer; its series are then left out (not reported as 0) and slipway_metrics_source_up says so.
 */
export interface ClusterSnapshot {
  totals: ReleaseTotals | null;
  live: LiveReleaseRow[] | null;
  durations: ReleaseDurationRow[] | null;
  queue: Partial<Record<(typeof QUEUE_STATES)[number], number>> | null;
  workers: Record<string, number> | null;
  /** Per job kind (libs/queue JOB_KINDS): its queue's jobs by state, and what the live workers report of it. */
  kinds?: JobKindFigures[] | null;
  /** Final releases whose ansible events are incomplete (no final stats stored), from the releases table. */
  eventsIncomplete?: number | null;
}

export interface JobKindFigures {
  kind: string;
  jobs: Partial<Record<(typeof QUEUE_STATES)[number], number>>;
  /** Jobs of the kind in process() on all live workers. */
  inFlight: number;
  /** Live workers by the kind's state there (active, draining, stopped). */
  workers: Record<string, number>;
}

/** A job kind's state on one worker, as slipway_job_kind_workers{kind,state}. */
export const JOB_KIND_STATES = ['active', 'draining', 'stopped'] as const;

export interface ClusterSnapshotSource {
  /** Called once per scrape; every cluster metric below reads the same snapshot. */
  read(): Promise<ClusterSnapshot>;
}

/**
 * A histogram whose buckets are counted elsewhere (in the database, release_counters) instead of observed
 * in this process. prom-client's registry renders it like any histogram.
 */
class SnapshotHistogram extends Histogram<'template' | 'le'> {
  private rows: ReleaseDurationRow[] = [];

  constructor(
    name: string,
    help: string,
    registry: Registry,
    private readonly load: () => Promise<ReleaseDurationRow[] | null>,
  ) {
    super({ name, help, labelNames: ['template'], buckets: RELEASE_DURATION_BUCKETS, registers: [registry] });
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<'template' | 'le'>>> {
    this.rows = (await this.load()) ?? [];
    // prom-client keeps name and help on the instance but leaves them out of its typings.
    const { name, help } = this as unknown as { name: string; help: string };
    const values = this.rows.flatMap((row) => [
      ...RELEASE_DURATION_BUCKETS.map((le, i) => ({
        metricName: `${name}_bucket`,
        labels: { le, template: row.template },
        value: row.cumulative[i] ?? 0,
      })),
      { metricName: `${name}_bucket`, labels: { le: '+Inf', template: row.template }, value: row.count },
      { metricName: `${name}_sum`, labels: { template: row.template }, value: row.sumSeconds },
      { metricName: `${name}_count`, labels: { template: row.template }, value: row.count },
    ]);
    // MetricType is a type-only enum in prom-client's typings; the runtime value is the string.
    return { name, help, type: 'histogram' as unknown as MetricType, values, aggregator: 'sum' as const, collect: () => undefined };
  }

  /** The registry prefers this to get() when it renders text; same data. */
  getForPromString() {
    return this.get();
  }
}

/**
 * The orchestrator's figures, read at scrape time from the database (counters kept with each release's
 * change, and the releases queued or running now) and Redis (queue and worker registry) rather than
 * counted in memory. That keeps them right with any number of API and worker processes and across
 * restarts: every API process answers the same cluster-wide numbers, so in PromQL use max() (or scrape
 * one API), not sum(), across API instances for these series.
 */
export function registerClusterMetrics(registry: Registry, source: ClusterSnapshotSource): void {
  // One read per scrape: the registry collects all metrics concurrently, so they share the in-flight read.
  let pending: Promise<ClusterSnapshot> | null = null;
  const snapshot = (): Promise<ClusterSnapshot> => {
    pending ??= source.read().finally(() => setImmediate(() => (pending = null)));
    return pending;
  };

  new Counter({
    name: 'slipway_releases_created_total',
    help: 'Releases created through the API, by template',
    labelNames: ['template'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of (await snapshot()).totals?.created ?? []) this.inc({ template: row.template }, row.count);
    },
  });

  new Counter({
    name: 'slipway_releases_finished_total',
    help: 'Releases that reached a final status, by template and status',
    labelNames: ['template', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of (await snapshot()).totals?.finished ?? []) this.inc({ template: row.template, status: row.status }, row.count);
    },
  });

  new SnapshotHistogram(
    'slipway_release_duration_seconds',
    'Time from running to a final status, by template',
    registry,
    async () => (await snapshot()).durations,
  );

  const statusGauge = (name: string, help: string, pick: (row: LiveReleaseRow) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.reset();
        const rows = (await snapshot()).live;
        if (rows) this.set(rows.reduce((sum, row) => sum + pick(row), 0));
      },
    });
  statusGauge('slipway_releases_in_flight', 'Releases running now, on all workers', (row) => (row.status === 'running' ? row.count : 0));
  statusGauge('slipway_releases_queued', 'Releases queued (due or scheduled) and not started', (row) => (row.status === 'queued' ? row.count : 0));
  statusGauge('slipway_releases_awaiting_approval', 'Releases waiting for approval (they hold no lock)', (row) => (row.status === 'awaiting-approval' ? row.count : 0));
  statusGauge(
    'slipway_releases_waiting_on_lock',
    'Queued releases held back by an earlier release with the same lock key',
    (row) => row.waitingOnLock,
  );

  new Gauge({
    name: 'slipway_releases_events_incomplete',
    help: 'Finished releases whose ansible events are incomplete (no final stats stored), all workers, from the database',
    registers: [registry],
    async collect() {
      this.reset();
      const incomplete = (await snapshot()).eventsIncomplete;
      if (incomplete !== null && incomplete !== undefined) this.set(incomplete);
    },
  });

  new Counter({
    name: 'slipway_log_lines_stored_total',
    help: 'Log lines stored for all releases',
    registers: [registry],
    async collect() {
      this.reset();
      const totals = (await snapshot()).totals;
      if (totals) this.inc(totals.logLines);
    },
  });

  new Gauge({
    name: 'slipway_queue_jobs',
    help: 'Jobs in the releases queue, by BullMQ state (waiting on a lock shows as delayed, see slipway_releases_waiting_on_lock)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const queue = (await snapshot()).queue;
      if (queue) for (const state of QUEUE_STATES) this.set({ state }, queue[state] ?? 0);
    },
  });

  new Gauge({
    name: 'slipway_workers',
    help: 'Workers in the registry (heartbeat not expired), by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const workers = (await snapshot()).workers;
      if (workers) for (const state of new Set([...WORKER_STATES, ...Object.keys(workers)])) this.set({ state }, workers[state] ?? 0);
    },
  });

  // Per job kind: new names rather than a `kind` label on slipway_queue_jobs, whose series stay as they were.
  const kindGauge = (name: string, help: string, labelNames: string[], fill: (gauge: Gauge, kinds: JobKindFigures[]) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        const kinds = (await snapshot()).kinds;
        if (kinds) fill(this, kinds);
      },
    });
  kindGauge('slipway_jobs', 'Jobs in each job kind\'s queue, by BullMQ state', ['kind', 'state'], (gauge, kinds) => {
    for (const { kind, jobs } of kinds) for (const state of QUEUE_STATES) gauge.set({ kind, state }, jobs[state] ?? 0);
  });
  kindGauge('slipway_jobs_in_flight', 'Jobs of each kind being processed now, on all live workers', ['kind'], (gauge, kinds) => {
    for (const { kind, inFlight } of kinds) gauge.set({ kind }, inFlight);
  });
  kindGauge('slipway_job_kind_workers', 'Live workers by the state of each job kind there (draining once its fetching closed)', ['kind', 'state'], (gauge, kinds) => {
    for (const { kind, workers } of kinds) for (const state of new Set([...JOB_KIND_STATES, ...Object.keys(workers)])) gauge.set({ kind, state }, workers[state] ?? 0);
  });

  new Gauge({
    name: 'slipway_metrics_source_up',
    help: '1 when the source of the cluster figures answered this scrape (database, redis), else 0',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.set({ source: 'database' }, s.totals && s.live && s.durations && s.eventsIncomplete !== null ? 1 : 0);
      this.set({ source: 'redis' }, s.queue && s.workers ? 1 : 0);
    },
  });
}
