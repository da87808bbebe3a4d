import { Logger } from '@nestjs/common';
import { RetryBudgetExhaustedError } from '@slipway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LogBatchTarget, ReleaseLogSink } from './release-log-sink.js';

interface StoreCall {
  firstSeq: number;
  lines: string[];
}

/** A DB stand-in keyed like release_log_chunks: (firstSeq) is the primary key, a repeat is ignored. */
class FakeLogTable implements LogBatchTarget {
  readonly calls: StoreCall[] = [];
  readonly rows = new Map<number, string[]>();
  readonly announced: StoreCall[] = [];
  /** Failures to throw, one per store call, before storing again. */
  failures: Error[] = [];
  /** While set, store() waits for it (the DB is away). */
  gate: Promise<void> | null = null;

  async store(firstSeq: number, lines: string[]): Promise<void> {
    this.calls.push({ firstSeq, lines: [...lines] });
    if (this.gate) await this.gate;
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (!this.rows.has(firstSeq)) this.rows.set(firstSeq, [...lines]);
  }

  announce(firstSeq: number, lines: string[]): void {
    this.announced.push({ firstSeq, lines: [...lines] });
  }

  /** Stored lines in seq order; throws if the chunks leave a gap or overlap. */
  storedLines(): string[] {
    const lines: string[] = [];
    for (const [firstSeq, chunk] of [...this.rows.entries()].sort(([a], [b]) => a - b)) {
      if (firstSeq !== lines.length + 1) throw new Error(`chunk at ${firstSeq} after ${lines.length} lines`);
      lines.push(...chunk);
    }
    return lines;
  }
}

const exhausted = () => new RetryBudgetExhaustedError('append log', 7, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
/** Polls a condition with a deadline (the sink flushes on a short timer). */
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

describe('ReleaseLogSink', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it('stores every line once, in order, numbered from 1, in batches of at most 1000', async () => {
    const table = new FakeLogTable();
    const sink = new ReleaseLogSink(1, table, 50_000);
    const lines = numbered(1, 2_500);
    for (const line of lines) sink.push(line);
    await sink.drain();
    expect(table.storedLines()).toEqual(lines);
    expect(sink.linesWritten).toBe(2_500);
    expect(Math.max(...table.calls.map((c) => c.lines.length))).toBeLessThanOrEqual(1_000);
    // Announced (live view) only after being stored, in the same order.
    expect(table.announced.flatMap((a) => a.lines)).toEqual(lines);
  });

  it('keeps a batch’s sequence numbers through retries, so a retried batch lands on the same key', async () => {
    const table = new FakeLogTable();
    // The first batch's write is committed but reported as failed (connection lost before the reply),
    // then fails twice more while the DB restarts.
    table.failures = [exhausted(), exhausted()];
    const sink = new ReleaseLogSink(1, table, 50_000);
    for (const line of numbered(1, 3)) sink.push(line);
    await until(() => table.rows.size === 1);
    for (const line of numbered(4, 6)) sink.push(line);
    await sink.drain();

    const firstBatchCalls = table.calls.filter((c) => c.firstSeq === 1);
    expect(firstBatchCalls).toHaveLength(3);
    for (const call of firstBatchCalls) expect(call).toEqual(firstBatchCalls[0]);
    expect(table.storedLines()).toEqual(numbered(1, 6));
  });

  it('a write stored before its reply was lost is not stored twice when retried', async () => {
    const table = new FakeLogTable();
    const sink = new ReleaseLogSink(1, table, 50_000);
    // Store first, then report failure: what a connection lost after COMMIT looks like to the caller.
    const store = table.store.bind(table);
    let lostReply = true;
    table.store = async (firstSeq, lines) => {
      await store(firstSeq, lines);
      if (lostReply) {
        lostReply = false;
        throw exhausted();
      }
    };
    for (const line of numbered(1, 10)) sink.push(line);
    // While the release runs (before drain), the sink itself retries the batch.
    await until(() => table.calls.length >= 2);
    await sink.drain();
    expect(table.calls.filter((c) => c.firstSeq === 1)).toHaveLength(2);
    expect(table.storedLines()).toEqual(numbered(1, 10));
  });

  it('while the DB is away, buffers up to the bound, then drops the oldest behind one "N lines dropped" marker', async () => {
    const table = new FakeLogTable();
    let dbBack!: () => void;
    table.gate = new Promise((resolve) => (dbBack = resolve));
    const sink = new ReleaseLogSink(1, table, 100);
    sink.push('line 1');
    // The first batch is now waiting on the DB.
    await until(() => table.calls.length === 1);
    for (const line of numbered(2, 1_000)) sink.push(line);
    table.gate = null;
    dbBack();
    await sink.drain();

    const stored = table.storedLines();
    // line 1 was already cut; of 2..1000 only the newest (at most the bound of 100, dropped a tenth of the
    // bound at a time) were kept, behind one marker counting exactly the lines that are missing.
    const kept = stored.length - 2;
    expect(kept).toBeGreaterThanOrEqual(90);
    expect(kept).toBeLessThanOrEqual(100);
    const firstKept = 1_000 - kept + 1;
    expect(stored).toEqual([
      'line 1',
      `[slipway] ${firstKept - 2} lines dropped while the database was unreachable`,
      ...numbered(firstKept, 1_000),
    ]);
    expect(sink.linesWritten).toBe(kept + 2);
  });

  it('after the process ended, a DB that never comes back rejects drain() and hands back the unstored lines with their numbers', async () => {
    const table = new FakeLogTable();
    const sink = new ReleaseLogSink(1, table, 50_000);
    for (const line of numbered(1, 5)) sink.push(line);
    await until(() => table.rows.size === 1);
    expect(table.storedLines()).toEqual(numbered(1, 5));
    for (const line of numbered(6, 8)) sink.push(line);
    table.failures = [exhausted()];
    await expect(sink.drain()).rejects.toBeInstanceOf(RetryBudgetExhaustedError);
    expect(sink.takeUnstored()).toEqual({ firstSeq: 6, lines: numbered(6, 8) });
  });
});

describe('ReleaseLogSink backpressure', () => {
  it('holds the reader back while the DB is slower than the output, and stores every line of a burst', async () => {
    const stored: number[] = [];
    const sink = new ReleaseLogSink(
      1,
      {
        // A DB that answers, but slowly: each batch takes a few milliseconds.
        store: async (firstSeq, lines) => {
          await new Promise((r) => setTimeout(r, 3));
          for (let i = 0; i < lines.length; i++) stored.push(firstSeq + i);
        },
        announce: () => undefined,
      },
      5_000, // the bound for outages; a healthy-but-slow DB must never hit it
    );
    let paused = 0;
    let mostUnstored = 0;
    for (let i = 1; i <= 30_000; i++) {
      sink.push(`line ${i}`);
      const inFlight = i - stored.length;
      mostUnstored = Math.max(mostUnstored, inFlight);
      const wait = sink.roomForMore();
      if (wait) {
        paused++;
        await wait;
      }
    }
    await sink.drain();
    expect(paused).toBeGreaterThan(0);
    // Reading paused near half the bound (plus one batch in flight), so nothing was dropped.
    expect(mostUnstored).toBeLessThan(5_000);
    expect(stored).toEqual(Array.from({ length: 30_000 }, (_, i) => i + 1));
  });
});
