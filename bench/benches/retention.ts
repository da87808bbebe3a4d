import { ReleaseEventTap } from '../lib/event-tap.js';
import { type BenchResult, machineInfo, runInfo } from '../lib/report.js';
import { Stack } from '../lib/stack.js';
import { type Distribution, distribution, nowMs, round } from '../lib/stats.js';
import { waitFor } from '../../test/support/wait-for.js';

export interface RetentionBenchOptions {
  /** Old finished releases retention has to delete. */
  releases: number;
  /** Log chunks per release, each of `chunkBytes`. */
  chunks: number;
  chunkBytes: number;
  /** Lines per second the running release prints while retention deletes. */
  rate: number;
  /** Seconds of the baseline release (no deletion going on). */
  baselineSeconds: number;
}

const STAMP = /^line (\d+) t=([\d.]+)/;
const SEED_BY = 'bench-seed';

/**
 * Retention while releases run: `releases` finished releases with `chunks` log chunks each are aged past
 * RETENTION_RELEASE_DAYS at once, and the worker's housekeeping deletes them in batches (default batch
 * size and pause; RETENTION_INTERVAL_MS=1000 so the next 5 s housekeeping tick starts the run) while a stub release prints `rate` lines/s. Figures: the delete rate (rows/s: releases
 * plus chunks, from retention_totals) and the running release's log write latency (line printed → stored
 * in the DB and published, from the worker's Redis channel), with and without the deletion going on.
 */
export async function benchRetention(options: RetentionBenchOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machineAtStart = machineInfo();
  const stack = await Stack.start({ name: 'retention', workers: 1, workerEnv: { RETENTION_RELEASE_DAYS: '30', RETENTION_INTERVAL_MS: '1000' } });
  const tap = await ReleaseEventTap.open(stack.env.redisUrl, stack.env.queuePrefix);
  try {
    await seed(stack, options);
    const totalRows = options.releases * (1 + options.chunks);

    const baseline = await latencyWhile(stack, tap, options.rate, async () => {
      await new Promise((resolve) => setTimeout(resolve, options.baselineSeconds * 1000));
    });

    let firstDeleteAt = 0;
    let lastUntouchedAt = 0;
    let doneAt = 0;
    let agedAt = 0;
    const during = await latencyWhile(stack, tap, options.rate, async () => {
      agedAt = nowMs();
      lastUntouchedAt = agedAt;
      // One statement: retention sees all of them expire at once, never a half-seeded release.
      await stack.query(`UPDATE releases SET finished_at = finished_at - INTERVAL 400 DAY WHERE requested_by = ?`, [SEED_BY]);
      await waitFor(
        `retention to delete ${totalRows} rows`,
        async () => {
          const polledAt = nowMs();
          const deleted = await deletedRows(stack);
          // From the last poll that saw nothing deleted: the rate is then a lower bound, never inflated.
          if (deleted === 0) lastUntouchedAt = polledAt;
          if (deleted > 0 && firstDeleteAt === 0) firstDeleteAt = lastUntouchedAt;
          if (deleted >= totalRows) doneAt = nowMs();
          return deleted >= totalRows;
        },
        { timeoutMs: 30 * 60_000, intervalMs: 100 },
      );
    }, () => [firstDeleteAt, doneAt]);

    const deleteSeconds = Math.max(0.001, (doneAt - firstDeleteAt) / 1000);
    const rate = totalRows / deleteSeconds;
    const latency = (d: Distribution | null) => (d ? { median: round(d.p50, 1), p99: round(d.p99, 1) } : {});
    return {
      bench: 'retention',
      title: `Retention (${options.releases} releases × ${options.chunks} chunks of ${options.chunkBytes} B, while a release prints ${options.rate} lines/s)`,
      ...(await runInfo(startedAt, machineAtStart, stack)),
      settings: { ...options, batchSize: 500, batchPauseMs: 50, rows: totalRows },
      figures: [
        {
          figure: 'retention delete rate (releases + log chunks) while a release runs',
          unit: 'rows/s',
          value: Math.round(rate),
          target: 'context (bounded by RETENTION_BATCH_SIZE / RETENTION_BATCH_PAUSE_MS)',
          met: null,
          note: `${totalRows} rows in ${deleteSeconds.toFixed(1)} s from the last poll (every 100 ms) before the first delete; that came ${((firstDeleteAt - agedAt) / 1000).toFixed(1)} s after the rows expired (housekeeping tick)`,
        },
        {
          figure: 'log write latency of the running release, no retention running (line printed → stored and published)',
          unit: 'ms',
          ...latency(baseline.all),
          target: 'context',
          met: null,
          ...(baseline.all ? {} : { note: 'no lines measured' }),
        },
        {
          figure: 'log write latency of the running release while retention deletes',
          unit: 'ms',
          ...latency(during.window),
          target: 'close to the line above',
          met: null,
          note: during.window ? `${during.window.count} lines printed during the deletion` : 'no line was printed during the deletion (it was too quick)',
        },
      ],
      distributions: { ...(baseline.all ? { baseline: baseline.all } : {}), ...(during.window ? { duringRetention: during.window } : {}) },
    };
  } finally {
    tap.close();
    await stack.close();
  }
}

/** Finished releases (recent, so nothing expires yet) and their chunks, by SQL in two statements. */
async function seed(stack: Stack, options: RetentionBenchOptions): Promise<void> {
  await stack.query(
    `INSERT INTO releases (template, inventory, extra_vars, lock_key, status, requested_by, created_at, started_at, finished_at, log_lines)
     SELECT 'hello', 'local', '{}', 'hello:local', 'succeeded', ?, NOW(3), NOW(3), NOW(3) - INTERVAL seq SECOND, ? FROM seq_1_to_${options.releases}`,
    [SEED_BY, options.chunks * 10],
  );
  await stack.query(
    `INSERT INTO release_log_chunks (release_id, first_seq, last_seq, content)
     SELECT r.id, s.seq * 10 + 1, s.seq * 10 + 10, REPEAT('x', ?) FROM releases r JOIN seq_0_to_${options.chunks - 1} s WHERE r.requested_by = ?`,
    [options.chunkBytes, SEED_BY],
  );
}

async function deletedRows(stack: Stack): Promise<number> {
  const rows = await stack.query<{ n: unknown }>(`SELECT COALESCE(SUM(deleted), 0) AS n FROM retention_totals WHERE kind IN ('releases', 'log_chunks')`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Runs a stub release printing `rate` stamped lines/s for as long as `during` takes (then cancels it),
 * and returns the write latency of every line, and of the lines printed inside `window()` if given.
 */
async function latencyWhile(
  stack: Stack,
  tap: ReleaseEventTap,
  rate: number,
  during: () => Promise<void>,
  window?: () => number[],
): Promise<{ all: Distribution | null; window: Distribution | null }> {
  const samples: { printedAt: number; lag: number }[] = [];
  // Lines for an hour: the release runs until `during` is over and is then cancelled.
  const created = await stack.client.createRelease({ template: 'stub-0', extraVars: { stub_lines: rate * 3600, stub_rate: rate, stub_line_bytes: 80 } });
  tap.follow(created.id, (line, at) => {
    const match = STAMP.exec(line);
    if (match) samples.push({ printedAt: Number(match[2]), lag: at - Number(match[2]) });
  });
  await waitFor('the stub release to print', () => samples.length > 0, { timeoutMs: 120_000, intervalMs: 50 });
  await during();
  const { status, text } = await stack.client.request('POST', `/api/v1/releases/${created.id}/cancel`);
  if (status !== 202 && status !== 200) throw new Error(`cancel answered ${status}: ${text}`);
  await tap.finished(created.id);
  const [from = 0, to = Number.POSITIVE_INFINITY] = window?.() ?? [];
  const inWindow = samples.filter((s) => s.printedAt >= from && s.printedAt <= to).map((s) => s.lag);
  const some = (values: number[]) => (values.length > 0 ? distribution(values) : null);
  return { all: some(samples.map((s) => s.lag)), window: window ? some(inWindow) : null };
}
