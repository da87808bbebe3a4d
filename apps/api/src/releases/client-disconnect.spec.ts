import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { ReleaseEntity } from '@slipway/db';
import type { LogLine, ReleaseStore } from '@slipway/releases';
import { ReleaseEventStream } from './release-event-stream.js';
import { ReleaseFeed } from './release-feed.js';
import { ReleasesController } from './releases.controller.js';
import type { ReleasesService } from './releases.service.js';

/** An express Response whose client can leave: `leave()` destroys it and emits 'close', as node does. */
class FakeResponse extends EventEmitter {
  destroyed = false;
  writableEnded = false;
  written = '';
  /** write() answers false (buffers full) after this many bytes, like a client that stopped reading. */
  constructor(private readonly bufferBytes = Number.POSITIVE_INFINITY) {
    super();
  }
  status() {
    return this;
  }
  type() {
    return this;
  }
  attachment() {
    return this;
  }
  setHeader() {
    return this;
  }
  flushHeaders() {}
  cork() {}
  uncork() {}
  destroy() {
    this.leave();
  }
  get writableLength() {
    return 0;
  }
  write(chunk: string): boolean {
    if (this.destroyed) return false;
    this.written += chunk;
    return this.written.length < this.bufferBytes;
  }
  end() {
    this.writableEnded = true;
    this.emit('close');
  }
  leave() {
    this.destroyed = true;
    this.emit('close');
  }
}

const queuedRelease = { id: 7, status: 'queued', logLines: 0 } as unknown as ReleaseEntity;

function fakeStore(lines: number, reads: { pages: number }): ReleaseStore {
  const page = (after: number, max: number): LogLine[] =>
    Array.from({ length: Math.max(0, Math.min(max, lines - after)) }, (_, i) => ({ seq: after + i + 1, text: `line ${after + i + 1}` }));
  return {
    findById: () => Promise.resolve(queuedRelease),
    readLog: (_id: number, after: number, max: number) => {
      reads.pages++;
      return Promise.resolve(page(after, max));
    },
    async *logPages(_id: number, after: number, pageLines: number): AsyncGenerator<LogLine[]> {
      for (let seq = after; seq < lines; seq += pageLines) {
        reads.pages++;
        yield page(seq, pageLines);
      }
    },
  } as unknown as ReleaseStore;
}

describe('client disconnects', () => {
  it('an SSE client that leaves before its subscription is complete leaves no subscription behind', async () => {
    const response = new FakeResponse();
    let subscriptions = 0;
    let release!: () => void;
    const subscribed = new Promise<void>((resolve) => (release = resolve));
    const registered = new Set<unknown>();
    const subscribe = async () => {
      subscriptions++;
      await subscribed;
      return () => subscriptions--;
    };
    const feed = new ReleaseFeed(7, fakeStore(0, { pages: 0 }), subscribe, { maxBacklogBytes: 1_000_000 });
    const register = (stream: unknown) => {
      registered.add(stream);
      return () => registered.delete(stream);
    };
    const stream = new ReleaseEventStream(feed, 0, response as unknown as Response, 1_000_000, register);
    stream.onClosed = () => feed.close(); // what the hub does when a feed's last viewer leaves
    const opening = stream.open();
    response.leave(); // the client is gone while Redis has not confirmed the subscription yet
    release();
    await opening;
    await feed.ready;
    expect(subscriptions).toBe(0);
    expect(registered.size).toBe(0);
  });

  it('a download whose client stops reading and leaves ends instead of waiting for a drain forever', async () => {
    const response = new FakeResponse(1_000);
    const reads = { pages: 0 };
    const controller = new ReleasesController(
      { get: () => Promise.resolve(queuedRelease) } as unknown as ReleasesService,
      fakeStore(100_000, reads),
      null as never,
      null as never,
      null as never,
      null as never,
    );
    const download = controller.log(7, { after: 0, download: '1', format: 'raw' }, response as unknown as Response);
    await new Promise((resolve) => setTimeout(resolve, 20));
    response.leave();
    const outcome = await Promise.race([download.then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('hung'), 2_000))]);
    expect(outcome).toBe('ended');
    expect(reads.pages).toBe(1); // it stopped reading the log when the client left
  });
});
