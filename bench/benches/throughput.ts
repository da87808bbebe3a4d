import { CpuAccount, childrenOf, pidsOf } from '../lib/cpu.js';
import { type BenchResult, runInfo, machineInfo } from '../lib/report.js';
import { Stack } from '../lib/stack.js';
import { distribution, nowMs, percentile, round } from '../lib/stats.js';

export interface ThroughputOptions {
  releases: number;
  workers: number;
  /** WORKER_CONCURRENCY of each worker. */
  concurrency: number;
  /** Requests the client keeps in flight. */
  clients: number;
  /** Stub templates (= lock keys) the releases are spread over. */
  lockKeys: number;
}

/**
 * Throughput: `releases` stub releases (5 lines each) POSTed by `clients` concurrent HTTP clients,
 * run by `workers` worker processes. Rate = releases / (first POST sent → last release final).
 */
export async function benchThroughput(options: ThroughputOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machineAtStart = machineInfo();
  const stack = await Stack.start({
    name: 'throughput',
    workers: options.workers,
    stubTemplates: options.lockKeys,
    workerEnv: { WORKER_CONCURRENCY: String(options.concurrency) },
  });
  try {
    // Warm-up: one release per worker slot, so connections and JIT are ready.
    await Promise.all(Array.from({ length: options.workers * 2 }, (_, i) => stack.client.createRelease({ template: `stub-${i % options.lockKeys}` })));
    await stack.waitForFinished(options.workers * 2, 60_000);
    const warm = options.workers * 2;

    const cpu = new CpuAccount(
      {
        api: [stack.api.pid],
        workers: stack.workers.map((w) => w.pid),
        mariadb: pidsOf('mariadbd'),
        redis: pidsOf('redis-server'),
        'bench client': [process.pid],
      },
      // Each worker's one child is its run spawner; the runs' supervisors and stub playbooks are reaped below it.
      { runs: stack.workers.flatMap((w) => childrenOf(w.pid)) },
    ).start();
    const postLatencies: number[] = [];
    const t0 = nowMs();
    let next = 0;
    const client = async () => {
      while (next < options.releases) {
        const i = next++;
        const sent = nowMs();
        await stack.client.createRelease({ template: `stub-${i % options.lockKeys}`, extraVars: { stub_lines: 5 } });
        postLatencies.push(nowMs() - sent);
      }
    };
    await Promise.all(Array.from({ length: options.clients }, client)).catch((error: unknown) => {
      // A refused POST ends the bench: say what the API logged about it.
      const tail = stack.api.output.trim().split('\n').slice(-30).join('\n');
      throw new Error(`${(error as Error).message}\n--- the API's last log lines ---\n${tail}`);
    });
    const allPosted = nowMs();
    await stack.waitForFinished(warm + options.releases, Math.max(120_000, options.releases * 200), 100);
    const usage = cpu.stop();

    const rows = await stack.query<{ status: string; n: number; last: Date }>(
      `SELECT status, COUNT(*) AS n, MAX(finished_at) AS last FROM releases WHERE id > ? GROUP BY status`,
      [warm],
    );
    const lastFinished = Math.max(...rows.map((r) => new Date(r.last).getTime()));
    const succeeded = Number(rows.find((r) => r.status === 'succeeded')?.n ?? 0);
    const seconds = (lastFinished - t0) / 1000;
    const rate = options.releases / seconds;
    const endToEnd = await stack.query<{ ms: number }>(
      `SELECT TIMESTAMPDIFF(MICROSECOND, created_at, finished_at) / 1000 AS ms FROM releases WHERE id > ?`,
      [warm],
    );
    const e2e = distribution(endToEnd.map((r) => Number(r.ms)));
    const scrapes: number[] = [];
    let scrapeStatus = 0;
    for (let i = 0; i < 5; i++) {
      const scrapeStarted = nowMs();
      const scrape = await fetch(`${stack.api.url}/metrics`);
      await scrape.text();
      scrapeStatus = scrape.status;
      scrapes.push(nowMs() - scrapeStarted);
    }
    const scrapeMs = percentile(scrapes, 50);
    const post = distribution(postLatencies);
    const cpuNote = Object.entries(usage.cpuSeconds).map(([k, v]) => `${k} ${v} s`).join(', ');
    const cpuMs = (names: string[]) => (names.reduce((sum, name) => sum + (usage.cpuSeconds[name] ?? 0), 0) * 1000) / options.releases;
    const slipwayMs = cpuMs(['api', 'workers', 'runs', 'mariadb', 'redis']);
    const machineMs = cpuMs(['machine total']);
    return {
      bench: 'throughput',
      title: `Throughput (${options.releases} stub releases, ${options.workers} workers)`,
      ...(await runInfo(startedAt, machineAtStart, stack)),
      settings: { ...options },
      figures: [
        {
          figure: `throughput: ${options.releases} stub releases through the HTTP API, ${options.workers} worker processes`,
          unit: 'releases/s',
          value: round(rate, 1),
          target: '≥ 100 releases/s',
          met: rate >= 100 && succeeded === options.releases,
          note: `${succeeded}/${options.releases} succeeded in ${seconds.toFixed(2)} s; CPU over the run (${usage.wallSeconds.toFixed(1)} s wall, 2 cores = ${(usage.wallSeconds * 2).toFixed(1)} CPU-s): ${cpuNote}`,
        },
        {
          figure: 'machine CPU per release (everything that ran, over the whole run)',
          unit: 'ms',
          value: round(machineMs, 1),
          target: '≤ 15 ms',
          met: machineMs <= 15,
          note: `of which Slipway's (API, workers, the runs' spawner and supervisors with the stub playbooks, MariaDB, Redis) ${round(slipwayMs, 1)} ms, the bench client ${round(cpuMs(['bench client']), 1)} ms, the runs alone ${round(cpuMs(['runs']), 1)} ms`,
        },
        {
          figure: 'submission rate (POST /releases answered)',
          unit: 'releases/s',
          value: round(options.releases / ((allPosted - t0) / 1000), 1),
          target: 'context',
          met: null,
        },
        { figure: 'POST /releases latency under load', unit: 'ms', median: round(post.p50, 1), p99: round(post.p99, 1), target: 'context', met: null },
        { figure: 'created → finished under load', unit: 'ms', median: round(e2e.p50, 0), p99: round(e2e.p99, 0), target: 'context', met: null },
        {
          figure: 'GET /metrics afterwards (cluster figures read from the releases table)',
          unit: 'ms',
          value: round(scrapeMs, 1),
          target: 'context',
          met: null,
          note: `median of 5 scrapes (first ${round(scrapes[0] ?? Number.NaN, 1)} ms); ${options.releases + warm} releases in the table; status ${scrapeStatus}`,
        },
      ],
      distributions: { throughputPost: post },
    };
  } finally {
    await stack.close();
  }
}
