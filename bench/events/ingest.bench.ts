import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { execa } from 'execa';
import { describe, it } from 'vitest';
import { SecretMasker } from '@slipway/ansible';
import { ReleaseEventStore, ReleaseStore } from '@slipway/releases';
import { EventFileTail } from '../../apps/worker/src/events/event-file-tail.js';
import { ReleaseEventSink } from '../../apps/worker/src/events/release-event-sink.js';
import { createMediumDb } from '../../test/medium/support/medium-db.js';
import { newRelease } from '../../test/medium/support/new-release.js';
import { WORKER_NODE_FLAGS } from '../../test/support/processes.js';
import { round } from '../lib/stats.js';

/**
 * Issue 21's ingest figures: a stand-in emitting the plugin's exact format into the run's file, read by
 * the worker's own tail and sink into MariaDB (a private database on the shared server). Prints events/s
 * flat out, ingest lag p50/p99 at a paced rate, events not kept and RSS growth. Never asserts a time.
 * BENCH_EVENTS (default 100 000) and BENCH_EVENTS_RATE (default 5 000/s) size it.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PACED_RATE = Number(process.env.BENCH_EVENTS_RATE ?? 5_000);
const STAND_IN = new URL('./stand-in-plugin.mjs', import.meta.url).pathname;

/**
 * Lags counted per millisecond in a fixed array (allocated before memory is measured) rather than kept one
 * by one: a million lags in an array were megabytes of the process's growth, charged to the worker's code.
 */
class LagCounts {
  private readonly counts = new Uint32Array(600_001);
  private total = 0;

  add(lagsMs: number[]): void {
    for (const ms of lagsMs) this.counts[Math.min(this.counts.length - 1, Math.max(0, Math.round(ms)))]++;
    this.total += lagsMs.length;
  }

  percentile(p: number): number {
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let ms = 0; ms < this.counts.length; ms++) if ((seen += this.counts[ms]) >= rank) return ms;
    return Number.NaN;
  }
}

/** A full GC before reading the heap, so "retained" is what stays reachable, not garbage not yet collected. */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const retainedHeap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

describe('ansible events ingest', () => {
  it('prints events/s, lag and events not kept', async () => {
    const db = await createMediumDb('bench_events', { poolSize: 4 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-events-'));
    try {
      const releases = new ReleaseStore(db.uow);
      const store = new ReleaseEventStore(db.uow);
      for (const [label, rate, count] of [['flat out', 0, EVENTS], [`paced ${PACED_RATE}/s`, PACED_RATE, Math.min(EVENTS, PACED_RATE * 10)]] as const) {
        const id = (await releases.create(newRelease())).id;
        const file = path.join(dir, `events-${id}.jsonl`);
        const lags = new LagCounts();
        const sink = new ReleaseEventSink(id, new SecretMasker(['not-in-the-events']), {
          store: (events) => store.append(id, events),
          announce: () => undefined,
          recordNotKept: (total) => store.recordNotKept(id, total),
        }, (batch) => lags.add(batch));
        const rssBefore = process.memoryUsage().rss;
        const heapBefore = retainedHeap();
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const tail = new EventFileTail(file, (line) => sink.push(line));
        await execa(process.execPath, [STAND_IN, file, String(count), String(rate)]);
        await tail.finish();
        await sink.drain();
        const seconds = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        const rssGrowth = process.memoryUsage().rss - rssBefore;
        const state = await store.state(id);
        process.stdout.write(
          `ansible events ingest (${label}): ${count + 2} events in ${round(seconds, 2)} s = ${Math.round((count + 2) / seconds)} events/s; ` +
            `lag p50 ${lags.percentile(50)} ms, p99 ${lags.percentile(99)} ms; stored ${state?.stored}, ` +
            `state ${state?.state}, not kept ${sink.notKept}; RSS growth ${round(rssGrowth / 1048576)} MiB, heap retained after GC ` +
            `${round((retainedHeap() - heapBefore) / 1048576)} MiB; this process's CPU ${round((cpu.user + cpu.system) / 1000 / ((count + 2) / 1000), 2)} ms per 1 000 events; ` +
            `the worker's V8 flags here: ${WORKER_NODE_FLAGS.filter((flag) => process.execArgv.includes(flag)).join(' ') || 'none (figures overstate a worker)'}\n`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
});
