import { ReleaseEventTap } from '../lib/event-tap.js';
import { type BenchResult, runInfo, machineInfo } from '../lib/report.js';
import { MiB, Stack, sampleRss } from '../lib/stack.js';
import { nowMs, percentile, round } from '../lib/stats.js';

export interface BigLogOptions {
  lines: number;
  lineBytes: number;
}

const PAGE_CHUNKS = 100;

/**
 * Big log: one release printing `lines` lines of about `lineBytes` bytes as fast as the stub can. Checks
 * in the database that every line is stored once, in order (line n holds "line n"), and samples the
 * worker's RSS every 100 ms against its idle baseline.
 */
export async function benchBigLog(options: BigLogOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machineAtStart = machineInfo();
  const stack = await Stack.start({ name: 'biglog', workers: 1 });
  const tap = await ReleaseEventTap.open(stack.env.redisUrl, stack.env.queuePrefix);
  try {
    const worker = stack.workers[0];
    await tap.finished((await stack.client.createRelease({ template: 'stub-0', extraVars: { stub_lines: 1000 } })).id); // warm-up
    const idle = sampleRss(worker.pid, 100);
    await new Promise((r) => setTimeout(r, 1_500));
    const baseline = percentile(idle.stop(), 50);

    const rss = sampleRss(worker.pid, 100);
    const t0 = nowMs();
    const created = await stack.client.createRelease({
      template: 'stub-0',
      extraVars: { stub_lines: options.lines, stub_line_bytes: options.lineBytes },
    });
    const seen = await tap.finished(created.id, 30 * 60_000);
    const seconds = ((seen.finalAt ?? nowMs()) - t0) / 1000;
    const samples = rss.stop();
    const peak = Math.max(...samples);
    const growthMiB = (peak - baseline) / MiB;

    // Verify in the database: contiguous chunks, and line n is "line n …".
    let expectedSeq = 1;
    let misplaced = 0;
    let bytes = 0;
    for (;;) {
      const chunks = await stack.query<{ first_seq: number; last_seq: number; content: string }>(
        'SELECT first_seq, last_seq, content FROM release_log_chunks WHERE release_id = ? AND first_seq >= ? ORDER BY first_seq LIMIT ?',
        [created.id, expectedSeq, PAGE_CHUNKS],
      );
      if (chunks.length === 0) break;
      for (const chunk of chunks) {
        if (Number(chunk.first_seq) !== expectedSeq) {
          misplaced++;
          expectedSeq = Number(chunk.first_seq);
        }
        const texts = chunk.content.split('\n');
        texts.forEach((text, i) => {
          if (!text.startsWith(`line ${expectedSeq + i} `)) misplaced++;
          bytes += text.length + 1;
        });
        expectedSeq += texts.length;
      }
    }
    const stored = expectedSeq - 1;
    const allInOrder = stored === options.lines && misplaced === 0 && seen.status === 'succeeded';
    return {
      bench: 'big-log',
      title: `Big log (${options.lines} lines)`,
      ...(await runInfo(startedAt, machineAtStart, stack)),
      settings: { ...options },
      figures: [
        {
          figure: `big log: ${options.lines} lines (${round(bytes / MiB, 0)} MiB) all stored, in order`,
          unit: 'lines',
          value: stored,
          target: `${options.lines}, in order`,
          met: allInOrder,
          note: `${misplaced} misplaced or missing; release ${seen.status}; ${round(seconds, 1)} s, ${round(stored / seconds, 0)} lines/s stored`,
        },
        {
          figure: 'big log: worker RSS growth',
          unit: 'MiB',
          value: round(growthMiB, 1),
          target: '< 100 MB',
          met: growthMiB < 100,
          note: `idle ${round(baseline / MiB, 0)} MiB, peak ${round(peak / MiB, 0)} MiB (${samples.length} samples)`,
        },
      ],
    };
  } finally {
    tap.close();
    await stack.close();
  }
}
