import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ReleaseEntity } from '@slipway/db';
import type { LogLine, ReleaseEvent } from '@slipway/releases';
import { ReleaseEventStream, type StreamResponse } from './release-event-stream.js';
import { type FeedStore, PAGE_LINES, ReleaseFeed } from './release-feed.js';

/** The stored log and row of one release; a worker stores a batch, then announces it on the channel. */
class FakeRelease {
  lines: string[] = [];
  status = 'running';
  reads = { rows: 0, logPages: 0 };
  listeners = new Set<(event: ReleaseEvent) => void>();
  subscriptions = 0;

  readonly store: FeedStore = {
    findById: async () => {
      this.reads.rows++;
      await tick();
      return { id: 7, status: this.status, logLines: this.lines.length, exitCode: null } as unknown as ReleaseEntity;
    },
    readLog: async (_id: number, after: number, max: number) => {
      this.reads.logPages++;
      await tick();
      return this.lines.slice(after, after + max).map((text, i): LogLine => ({ seq: after + i + 1, text }));
    },
    lastLogSeq: async () => {
      await tick();
      return this.lines.length;
    },
  };

  subscribe = async (listener: (event: ReleaseEvent) => void) => {
    this.subscriptions++;
    this.listeners.add(listener);
    await tick();
    return () => {
      this.subscriptions--;
      this.listeners.delete(listener);
    };
  };

  /** Stores `count` lines, then publishes them unless `announce` is false (a lost message). */
  print(count: number, announce = true): void {
    const firstSeq = this.lines.length + 1;
    const batch = Array.from({ length: count }, (_, i) => `line ${firstSeq + i} ${'x'.repeat(40)}`);
    this.lines.push(...batch);
    if (announce) for (const listener of this.listeners) listener({ type: 'log', firstSeq, lines: batch });
  }

  finish(): void {
    this.status = 'succeeded';
    for (const listener of this.listeners) listener({ type: 'status', status: 'succeeded' });
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A client socket: takes everything, or stops taking after `capacity` bytes (a client that stopped reading). */
class FakeClient extends EventEmitter {
  destroyed = false;
  writableEnded = false;
  text = '';
  buffered = 0;
  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {
    super();
  }
  get writableLength() {
    return this.buffered;
  }
  status() {
    return this;
  }
  setHeader() {
    return this;
  }
  flushHeaders() {}
  cork() {}
  uncork() {}
  write(chunk: string | Buffer): boolean {
    if (this.destroyed || this.writableEnded) return false;
    this.text += chunk.toString();
    if (this.text.length > this.capacity) this.buffered += chunk.length;
    return this.text.length <= this.capacity;
  }
  end() {
    if (this.writableEnded) return this;
    this.writableEnded = true;
    setImmediate(() => this.emit('close'));
    return this;
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
    return this;
  }
  get ended(): boolean {
    return this.text.includes('event: end\n');
  }
  get seqs(): number[] {
    return [...this.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  }
  get events(): string[] {
    return [...this.text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]).filter((e) => e !== 'log');
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One release's feed with viewers joining it, the way the hub and controller wire them. */
function harness(release: FakeRelease, options: { maxBacklogBytes?: number; pollMs?: number } = {}) {
  const maxBacklogBytes = options.maxBacklogBytes ?? 8 * 1024 * 1024;
  const feed = new ReleaseFeed(7, release.store, release.subscribe, { maxBacklogBytes, pollMs: options.pollMs ?? 3_600_000 });
  const clients: FakeClient[] = [];
  let open = 0;
  return {
    feed,
    clients,
    get open() {
      return open;
    },
    join: async (after = 0, capacity?: number): Promise<FakeClient> => {
      const client = new FakeClient(capacity);
      clients.push(client);
      const stream = new ReleaseEventStream(feed, after, client as unknown as StreamResponse, maxBacklogBytes);
      open++;
      stream.onClosed = () => open--;
      await stream.open();
      return client;
    },
  };
}

describe('ReleaseFeed: one source shared by every viewer of a release', () => {
  it('300 viewers cost one subscription, one row read and shared catch-up reads; each gets every line once, in order', async () => {
    const release = new FakeRelease();
    release.print(1_200, false); // stored before anyone watched
    const { feed, join } = harness(release);
    const clients = await Promise.all(Array.from({ length: 300 }, () => join()));
    for (let batch = 0; batch < 20; batch++) {
      release.print(50);
      await tick();
    }
    release.finish();
    await until('every client to get the end', () => clients.every((c) => c.ended));
    expect(release.subscriptions).toBe(1);
    expect(release.reads.rows).toBe(2); // the start, and the announced final status
    expect(release.reads.logPages).toBeLessThanOrEqual(2); // one catch-up page for all 300 (+ at most one fill)
    for (const client of clients) {
      expect(client.seqs).toEqual(range(1, 2_200));
      expect(client.events.slice(-2)).toEqual(['status', 'end']);
    }
    feed.close();
    expect(release.subscriptions).toBe(0);
  });

  it('polls the row once per interval for the feed, however many viewers there are', async () => {
    const release = new FakeRelease();
    const { feed, join } = harness(release, { pollMs: 20 });
    await Promise.all(Array.from({ length: 200 }, () => join()));
    const started = Date.now();
    const rowsAtStart = release.reads.rows;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const elapsed = Date.now() - started;
    expect(release.reads.rows - rowsAtStart).toBeLessThanOrEqual(Math.ceil(elapsed / 20) + 1);
    feed.close();
  });

  it('a viewer that joins late reads the stored lines, then the live tail: no gap, no duplicate at the seam', async () => {
    const release = new FakeRelease();
    const { feed, join } = harness(release);
    const early = await join();
    const late: Promise<FakeClient>[] = [];
    for (let batch = 0; batch < 60; batch++) {
      release.print(300); // 18 000 lines: the feed's recent window holds only part of them
      if (batch % 10 === 5) late.push(join(batch * 7)); // joins mid-flight, some with a resume point
      await tick();
    }
    const joined = await Promise.all(late);
    release.finish();
    const all = [early, ...joined];
    await until('every client to get the end', () => all.every((c) => c.ended));
    expect(early.seqs).toEqual(range(1, 18_000));
    joined.forEach((client, i) => expect(client.seqs).toEqual(range((5 + 10 * i) * 7 + 1, 18_000)));
    // Catch-up pages are aligned, so these joiners read at most the pages below the window, once each.
    expect(release.reads.logPages).toBeLessThanOrEqual(Math.ceil(18_000 / PAGE_LINES) * joined.length);
    feed.close();
  });

  it('a lost message or lines stored but never announced are read from the store, once for all viewers', async () => {
    const release = new FakeRelease();
    const { feed, join } = harness(release, { pollMs: 30 });
    const clients = await Promise.all(Array.from({ length: 50 }, () => join()));
    release.print(100);
    release.print(100, false); // lost
    release.print(100);
    await until('the gap to be filled', () => clients.every((c) => c.seqs.length === 300));
    release.print(100, false); // Redis away: only the poll finds them
    await until('the poll to find the unannounced lines', () => clients.every((c) => c.seqs.length === 400));
    for (const client of clients) expect(client.seqs).toEqual(range(1, 400));
    expect(release.reads.logPages).toBeLessThanOrEqual(3);
    feed.close();
  });

  it('a client that stops reading is dropped with a retry hint once its backlog passes the bound; the others keep flowing', async () => {
    const release = new FakeRelease();
    const bound = 200_000;
    const h = harness(release, { maxBacklogBytes: bound });
    const fast = await Promise.all(Array.from({ length: 20 }, () => h.join()));
    const slow = await h.join(0, 20_000); // takes 20 kB, then nothing
    for (let batch = 0; batch < 100; batch++) {
      release.print(100); // ~8 MB of frames in all
      await tick();
      expect(h.feed.windowBytes).toBeLessThanOrEqual(bound + 20_000); // the feed's memory stays bounded
      expect(slow.buffered).toBeLessThanOrEqual(bound);
    }
    release.finish();
    await until('the fast clients to get the end', () => fast.every((c) => c.ended));
    for (const client of fast) expect(client.seqs).toEqual(range(1, 10_000));
    expect(slow.writableEnded).toBe(true);
    expect(slow.text).toMatch(/retry: \d+\n: too slow/);
    expect(slow.events).not.toContain('end');
    const got = slow.seqs;
    expect(got).toEqual(range(1, got.length)); // what it got before the drop is whole, so it can resume
    await until('every stream to close', () => h.open === 0);
  });

  it('a viewer of a finished release gets its lines, one status and the end', async () => {
    const release = new FakeRelease();
    release.print(10, false);
    release.status = 'succeeded';
    const { feed, join } = harness(release);
    const client = await join(4);
    await until('the end', () => client.ended);
    expect(client.seqs).toEqual(range(5, 10));
    expect(client.events).toEqual(['status', 'end']);
    feed.close();
  });
});
