/**
 * Benchmark sizes: the figures by default, each overridable from the environment, e.g.
 * `BENCH_THROUGHPUT_RELEASES=200 npm run bench`. BENCH_ONLY=launch,log-lag runs a subset.
 */
function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number`);
  return Number(raw);
}

export function benchSizes() {
  return {
    launch: { releases: int('BENCH_LAUNCH_RELEASES', 200), realReleases: int('BENCH_LAUNCH_REAL_RELEASES', 10) },
    throughput: {
      releases: int('BENCH_THROUGHPUT_RELEASES', 2000),
      workers: int('BENCH_THROUGHPUT_WORKERS', 2),
      concurrency: int('BENCH_THROUGHPUT_CONCURRENCY', 16),
      clients: int('BENCH_THROUGHPUT_CLIENTS', 32),
      // One lock key per release by default: releases of one key run one at a time by design, which
      // would measure the lock, not the orchestrator.
      lockKeys: int('BENCH_THROUGHPUT_LOCK_KEYS', int('BENCH_THROUGHPUT_RELEASES', 2000)),
    },
    logLag: { rate: int('BENCH_LOG_LAG_RATE', 20_000), seconds: int('BENCH_LOG_LAG_SECONDS', 5) },
    bigLog: { lines: int('BENCH_BIG_LOG_LINES', 1_000_000), lineBytes: int('BENCH_BIG_LOG_LINE_BYTES', 100) },
    footprint: { inFlight: int('BENCH_FOOTPRINT_IN_FLIGHT', 20), sleepMs: int('BENCH_FOOTPRINT_SLEEP_MS', 10_000) },
    shutdown: { rounds: int('BENCH_SHUTDOWN_ROUNDS', 5) },
    catalogReload: { inventories: int('BENCH_CATALOG_RELOAD_INVENTORIES', 4), rounds: int('BENCH_CATALOG_RELOAD_ROUNDS', 3) },
    retention: {
      releases: int('BENCH_RETENTION_RELEASES', 10_000),
      chunks: int('BENCH_RETENTION_CHUNKS', 10),
      chunkBytes: int('BENCH_RETENTION_CHUNK_BYTES', 1_000),
      rate: int('BENCH_RETENTION_RATE', 1_000),
      baselineSeconds: int('BENCH_RETENTION_BASELINE_SECONDS', 5),
    },
    history: { releases: int('BENCH_HISTORY_RELEASES', 1_000_000), samples: int('BENCH_HISTORY_SAMPLES', 20) },
    viewers: {
      clients: int('BENCH_VIEWERS_CLIENTS', 2000),
      rate: int('BENCH_VIEWERS_RATE', 20_000),
      seconds: int('BENCH_VIEWERS_SECONDS', 5),
    },
    dnsRender: { records: int('BENCH_DNS_RECORDS', 10_000), rounds: int('BENCH_DNS_ROUNDS', 5) },
    dnsChanges: { changes: int('BENCH_DNS_CHANGES', 1_000), seconds: int('BENCH_DNS_CHANGES_SECONDS', 60) },
    webhooks: {
      latencySamples: int('BENCH_WEBHOOKS_LATENCY_SAMPLES', 100),
      rateDeliveries: int('BENCH_WEBHOOKS_RATE_DELIVERIES', 5_000),
      outageDeliveries: int('BENCH_WEBHOOKS_OUTAGE_DELIVERIES', 1_000),
      // The figure is 10 minutes (600); the default keeps a full run short.
      outageSeconds: int('BENCH_WEBHOOKS_OUTAGE_SECONDS', 30),
    },
    resultsGrid: { hosts: int('BENCH_GRID_HOSTS', 500), tasks: int('BENCH_GRID_TASKS', 100), rounds: int('BENCH_GRID_ROUNDS', 3) },
  };
}

export type BenchSizes = ReturnType<typeof benchSizes>;

/** Tiny sizes for the smoke run inside `npm test`: every code path, seconds not minutes. */
export const SMOKE_SIZES: BenchSizes = {
  launch: { releases: 3, realReleases: 1 },
  throughput: { releases: 20, workers: 2, concurrency: 4, clients: 4, lockKeys: 20 },
  logLag: { rate: 500, seconds: 1 },
  bigLog: { lines: 2_000, lineBytes: 100 },
  footprint: { inFlight: 2, sleepMs: 5_000 },
  shutdown: { rounds: 1 },
  catalogReload: { inventories: 2, rounds: 1 },
  retention: { releases: 30, chunks: 2, chunkBytes: 100, rate: 200, baselineSeconds: 1 },
  history: { releases: 3_000, samples: 2 },
  viewers: { clients: 3, rate: 500, seconds: 1 },
  dnsRender: { records: 200, rounds: 1 },
  dnsChanges: { changes: 20, seconds: 1 },
  webhooks: { latencySamples: 3, rateDeliveries: 50, outageDeliveries: 20, outageSeconds: 1 },
  resultsGrid: { hosts: 20, tasks: 5, rounds: 1 },
};

export function selected(bench: string): boolean {
  const only = process.env.BENCH_ONLY;
  return !only || only.split(',').map((s) => s.trim()).includes(bench);
}
