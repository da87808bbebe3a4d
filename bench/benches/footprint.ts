import { waitFor } from '../../test/support/wait-for.js';
import { ReleaseEventTap } from '../lib/event-tap.js';
import { type BenchResult, runInfo, machineInfo } from '../lib/report.js';
import { MiB, Stack, sampleRss } from '../lib/stack.js';
import { percentile, round } from '../lib/stats.js';

export interface FootprintOptions {
  /** Releases held in flight at once (the worker's concurrency). */
  inFlight: number;
  /** How long each of those releases sleeps: long enough to measure while all are in flight. */
  sleepMs: number;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Median RSS over `ms` of 100 ms samples. */
async function medianRss(pid: number, ms: number): Promise<number> {
  const sampler = sampleRss(pid, 100);
  await settle(ms);
  return percentile(sampler.stop(), 50);
}

/**
 * Footprint: the worker's RSS when idle (after a warm-up release), then with `inFlight` sleeping stub
 * releases running at once; the difference divided by their number is the cost of one release in flight
 * (the worker's memory only, not the playbook processes').
 */
export async function benchFootprint(options: FootprintOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machineAtStart = machineInfo();
  const stack = await Stack.start({
    name: 'footprint',
    workers: 1,
    stubTemplates: options.inFlight,
    workerEnv: { WORKER_CONCURRENCY: String(options.inFlight) },
  });
  const tap = await ReleaseEventTap.open(stack.env.redisUrl, stack.env.queuePrefix);
  try {
    const pid = stack.workers[0].pid;
    await tap.finished((await stack.client.createRelease({ template: 'stub-0' })).id);
    await settle(1_000);
    const idle = await medianRss(pid, 2_000);

    const created = await Promise.all(
      Array.from({ length: options.inFlight }, (_, i) =>
        stack.client.createRelease({ template: `stub-${i}`, extraVars: { stub_sleep_ms: options.sleepMs, stub_lines: 1 } }),
      ),
    );
    await waitFor(
      `${options.inFlight} releases running`,
      async () => {
        const rows = await stack.query<{ n: number }>(`SELECT COUNT(*) AS n FROM releases WHERE status = 'running'`);
        return Number(rows[0]?.n) === options.inFlight;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    await settle(500);
    const loaded = await medianRss(pid, 2_000);
    await Promise.all(created.map((r) => tap.finished(r.id)));
    const perRelease = (loaded - idle) / options.inFlight / MiB;
    return {
      bench: 'footprint',
      title: 'Footprint',
      ...(await runInfo(startedAt, machineAtStart, stack)),
      settings: { ...options },
      figures: [
        { figure: 'footprint: idle worker RSS', unit: 'MiB', value: round(idle / MiB, 1), target: '≤ 120 MB', met: idle / MiB <= 120 },
        {
          figure: 'footprint: extra worker RSS per release in flight',
          unit: 'MiB',
          value: round(perRelease, 2),
          target: '≤ 5 MB',
          met: perRelease <= 5,
          note: `${round(loaded / MiB, 1)} MiB with ${options.inFlight} in flight`,
        },
      ],
    };
  } finally {
    tap.close();
    await stack.close();
  }
}
