import type { Response } from 'express';
import type { FeedEntry, FeedViewer, ReleaseFeed } from './release-feed.js';

/** What EventSource waits before reconnecting (sent first, and again when the API shuts down). */
export const RECONNECT_MS = 2_000;
export const SHUTDOWN_RECONNECT_MS = 1_000;
/** Most bytes one wake-up writes to one client: a client far behind is fed in steps, not one huge write. */
const MAX_WRITE_BYTES = 1024 * 1024;
/** A dropped client that reads nothing more is cut after this long, so its socket's buffers are freed. */
const DROP_GRACE_MS = 30_000;

/** The part of an express Response a stream uses (a fake in unit tests). */
export type StreamResponse = Pick<
  Response,
  'status' | 'setHeader' | 'flushHeaders' | 'write' | 'end' | 'on' | 'once' | 'off' | 'destroy' | 'cork' | 'uncork' | 'destroyed' | 'writableEnded' | 'writableLength'
> & { socket?: { setNoDelay(noDelay: boolean): unknown } | null };

/** Ends this stream when the API shuts down. */
export interface ClosableStream {
  closeForShutdown(): void;
}

/**
 * One client's `GET /releases/:id/events`, a viewer of the release's shared feed. It first sends the
 * stored lines after `after` that are older than the feed's window (read through the feed, so viewers
 * joining together share the reads), then walks the feed's entries: lines with seq > the last one sent,
 * status changes, and the end. It writes only while the socket drains; a client whose backlog (what it
 * has not taken, in the feed plus in its socket's buffer) passes `maxBacklogBytes` is dropped with a
 * `retry:` hint and resumes from its Last-Event-ID, like after any disconnect. Events:
 *   `log`    id = seq, data = {"seq", "text"}   (the id is what Last-Event-ID resumes from)
 *   `status` data = the release's status fields, on connect and on every change
 *   `end`    data = the final status fields; then the response ends.
 */
export class ReleaseEventStream implements ClosableStream, FeedViewer {
  private lastSeq: number;
  private lastStatus = '';
  /** Next feed entry to write (once attached), and the feed's byte count up to it. */
  position = Number.MAX_SAFE_INTEGER;
  private bytePosition = 0;
  /** The status in force where the stream is in the feed, sent before the next line (or at the end). */
  private pendingStatus: FeedEntry | null = null;
  private attached = false;
  private waitingForDrain = false;
  private closed = false;
  private dropTimer: NodeJS.Timeout | null = null;
  /** Called once the stream has closed, whatever closed it (the controller frees the client's slot). */
  onClosed: () => void = () => undefined;

  constructor(
    private readonly feed: ReleaseFeed,
    after: number,
    private readonly response: StreamResponse,
    private readonly maxBacklogBytes: number,
    private readonly register: (stream: ClosableStream) => () => void = () => () => undefined,
  ) {
    this.lastSeq = after;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves once the stream is open (headers sent); the rest runs on its own until the end event. */
  async open(): Promise<void> {
    // Listen for the client leaving before anything is awaited: one that leaves while the feed is still
    // being set up must not be left attached to it.
    this.response.on('close', () => this.close());
    await this.feed.ready;
    if (this.closed || this.response.destroyed) return this.close();
    const unregister = this.register(this);
    const onClosed = this.onClosed;
    this.onClosed = () => {
      unregister();
      onClosed();
    };
    this.response.status(200);
    this.response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.response.setHeader('Cache-Control', 'no-cache, no-transform');
    // The connection is closed after the stream: it was busy for the stream's whole life, and a client
    // reusing it after the end would race the server's keep-alive timeout ("other side closed").
    this.response.setHeader('Connection', 'close');
    this.response.setHeader('X-Accel-Buffering', 'no');
    this.response.flushHeaders();
    this.response.socket?.setNoDelay(true);
    this.response.write(`retry: ${RECONNECT_MS}\n\n`);
    void this.catchUp().catch(() => this.close());
  }

  closeForShutdown(): void {
    if (this.closed) return;
    this.response.write(`retry: ${SHUTDOWN_RECONNECT_MS}\n: server shutting down, reconnect\n\n`);
    this.close();
  }

  /** The feed has new entries (or it is keepalive time). */
  onFeed(keepalive = false): void {
    if (!this.attached || this.closed) return;
    if (this.position < this.feed.endIndex && this.backlog() > this.maxBacklogBytes) return this.drop();
    if (this.waitingForDrain) return;
    if (keepalive && this.position >= this.feed.endIndex) {
      this.writeChunk(': keepalive\n\n');
      return;
    }
    this.pump();
  }

  onFeedClosed(): void {
    this.close();
  }

  /** Bytes this client has yet to take: in the feed after its position, and buffered in its socket. */
  backlog(): number {
    return this.feed.endBytes - this.bytePosition + this.response.writableLength;
  }

  /** Stored lines older than the feed's window, page by page (waiting for the socket), then the feed. */
  private async catchUp(): Promise<void> {
    while (!this.closed && this.lastSeq < this.feed.firstSeqInWindow - 1) {
      const page = await this.feed.catchUpPage(this.lastSeq);
      if (this.closed) return;
      if (!page || page.lastSeq <= this.lastSeq) {
        // Lines missing in the store below the window: a stream never skips a line; the client retries.
        return this.drop();
      }
      if (!this.writeChunk(this.framesAfter(page))) await this.drained();
      this.lastSeq = page.lastSeq;
    }
    if (this.closed) return;
    const start = this.feed.attach(this);
    this.attached = true;
    this.position = start.position;
    this.bytePosition = start.byteStart;
    this.pendingStatus = start.statusBefore;
    this.pump();
  }

  /** Writes the feed's entries from this stream's position while the socket takes them. */
  private pump(): void {
    if (this.closed || this.waitingForDrain) return;
    if (this.position < this.feed.endIndex && !this.feed.entry(this.position)) return this.drop();
    let written = 0;
    let writable = true;
    let ended = false;
    this.response.cork();
    try {
      while (writable && written < MAX_WRITE_BYTES && this.position < this.feed.endIndex) {
        const entry = this.feed.entry(this.position)!;
        this.position++;
        this.bytePosition = entry.byteEnd;
        if (entry.status !== null) {
          this.pendingStatus = entry;
          if (entry.final) {
            writable = this.flushStatus();
            ended = true;
            break;
          }
          continue;
        }
        if (entry.ansible) {
          if (this.pendingStatus) writable = this.flushStatus();
          written += entry.frames.length;
          writable = this.writeChunk(entry.frames) && writable;
          continue;
        }
        if (entry.lastSeq <= this.lastSeq) continue;
        if (this.pendingStatus) writable = this.flushStatus();
        const frames = this.framesAfter(entry);
        written += frames.length;
        writable = this.writeChunk(frames) && writable;
        this.lastSeq = entry.lastSeq;
      }
      if (!ended && this.position >= this.feed.endIndex && this.pendingStatus) writable = this.flushStatus() && writable;
    } finally {
      this.response.uncork();
    }
    if (ended) return this.close();
    if (!writable) {
      void this.drained().then(() => this.pump());
      return;
    }
    // Stopped at the write limit with more to go: carry on once this turn's other work has run.
    if (this.position < this.feed.endIndex) setImmediate(() => this.pump());
  }

  /** Writes the status (if it changed) and, for the final one, the end event. */
  private flushStatus(): boolean {
    const entry = this.pendingStatus;
    this.pendingStatus = null;
    if (!entry?.status) return true;
    let chunk = '';
    if (entry.status !== this.lastStatus) chunk += `event: status\ndata: ${entry.status}\n\n`;
    if (entry.final) chunk += `event: end\ndata: ${entry.status}\n\n`;
    this.lastStatus = entry.status;
    return chunk === '' || this.writeChunk(chunk);
  }

  /** The frames of `entry`'s lines after the last one sent (the whole Buffer, or a view of its tail). */
  private framesAfter(entry: FeedEntry): Buffer {
    const skip = this.lastSeq + 1 - entry.firstSeq;
    if (skip <= 0) return entry.frames;
    return entry.frames.subarray(entry.offsets[skip] ?? entry.frames.length);
  }

  private writeChunk(chunk: Buffer | string): boolean {
    if (this.closed || this.response.destroyed || this.response.writableEnded) return false;
    return this.response.write(chunk);
  }

  /** Resolves when the socket has drained or the stream has closed. */
  private drained(): Promise<void> {
    this.waitingForDrain = true;
    return new Promise<void>((resolve) => {
      const done = () => {
        this.response.off('drain', done);
        this.response.off('close', done);
        this.waitingForDrain = false;
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  /**
   * Too far behind: end the stream with a reconnect hint after what it has already been sent (so the
   * client resumes exactly after its last line), and cut the socket if the client never reads it.
   */
  private drop(): void {
    if (this.closed) return;
    this.writeChunk(`retry: ${RECONNECT_MS}\n: too slow: more than ${this.maxBacklogBytes} bytes behind; reconnect with Last-Event-ID to resume\n\n`);
    this.dropTimer = setTimeout(() => this.response.destroy(), DROP_GRACE_MS);
    this.dropTimer.unref();
    this.response.once('close', () => this.dropTimer && clearTimeout(this.dropTimer));
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed.detach(this);
    if (!this.response.writableEnded) this.response.end();
    this.onClosed();
  }
}
