import { NotFoundException } from '@nestjs/common';
import type { ReleaseEntity } from '@slipway/db';
import { type LogLine, type ReleaseEvent, type ReleaseStore, isFinal } from '@slipway/releases';

/** Re-read the row this often: catches changes no worker announces (waiting reason, API-side cancel, lost messages). */
export const POLL_MS = 1_000;
/** Lines per DB read, for catch-up and gap filling; catch-up pages are aligned to it so viewers share reads. */
export const PAGE_LINES = 5_000;
/** Catch-up pages kept after a read, so viewers joining one after another share it. */
const CACHED_PAGES = 2;
/** Kept in memory even when no viewer needs it, so a viewer that joins or reconnects just behind catches up from here. */
const RECENT_BYTES = 256 * 1024;

/** What a `status` event carries: everything about the release that can change while it is watched. */
export function statusOf(release: ReleaseEntity) {
  return {
    id: release.id,
    status: release.status,
    waitingReason: release.waitingReason,
    workerId: release.workerId,
    exitCode: release.exitCode,
    reason: release.reason,
    cancelRequestedBy: release.cancelRequestedBy,
    recap: release.recap,
    startedAt: release.startedAt,
    finishedAt: release.finishedAt,
    // Recorded by the worker just after ansible-playbook started (already masked).
    argv: release.argv,
    ansibleVersion: release.ansibleVersion,
  };
}

/**
 * A run of consecutive log lines already written as SSE `log` frames (one Buffer every viewer writes as
 * it is: no copy, no formatting per viewer), or a status change (no lines: lastSeq = firstSeq - 1).
 */
export interface FeedEntry {
  firstSeq: number;
  lastSeq: number;
  frames: Buffer;
  /** Byte offset of each line's frame in `frames`, to start a viewer in the middle of a batch. */
  offsets: number[];
  /** The status fields as JSON (status entries only). */
  status: string | null;
  final: boolean;
  /** ansible's typed events (task, host-result): written to every viewer that reaches them, whatever its log position. */
  ansible?: true;
  /** Bytes of every entry up to and including this one, since the feed started: a viewer's backlog is a difference of two. */
  byteEnd: number;
}

export function logFrames(lines: LogLine[]): Pick<FeedEntry, 'firstSeq' | 'lastSeq' | 'frames' | 'offsets'> {
  const offsets: number[] = [];
  const parts: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const frame = `id: ${line.seq}\nevent: log\ndata: ${JSON.stringify({ seq: line.seq, text: line.text })}\n\n`;
    offsets.push(bytes);
    bytes += Buffer.byteLength(frame);
    parts.push(frame);
  }
  const first = lines[0]?.seq ?? 0;
  return { firstSeq: first, lastSeq: first + lines.length - 1, frames: Buffer.from(parts.join('')), offsets };
}

/** Someone the feed tells about new entries (an SSE client's stream). */
export interface FeedViewer {
  /** New entries (or keepalive time): write what the socket takes, or leave if too far behind. */
  onFeed(keepalive?: boolean): void;
  /** The feed cannot go on (the release is gone, or it failed): end the stream; the client reconnects. */
  onFeedClosed(): void;
  /** The index of the next entry this viewer will write (entries before it may be trimmed). */
  readonly position: number;
}

export type FeedStore = Pick<ReleaseStore, 'findById' | 'readLog' | 'lastLogSeq'>;
export type Subscribe = (listener: (event: ReleaseEvent) => void) => Promise<() => void>;

export interface FeedOptions {
  /** A viewer more than this many bytes behind is dropped; the feed keeps no more than this in memory. */
  maxBacklogBytes: number;
  pollMs?: number;
  keepaliveMs?: number;
}

/**
 * The one source every viewer of a release shares in this API process: one Redis subscription, one row
 * read per POLL_MS, one copy of the recent log as ready-made SSE frames. Its entries form a single
 * ordered sequence (lines strictly consecutive, status changes between them); each viewer walks it at
 * its own pace from its own position, so a slow viewer never slows the others and never costs more
 * memory than the feed's own bounded window.
 *
 * The seam with the stored log: the feed subscribes first, then reads the row; every line the workers
 * announce is stored before it is published, so the lines up to the row's `log_lines` are in the DB and
 * every later one arrives on the channel (or, if a message is lost, is read from the DB when the next
 * message or poll shows the gap). A viewer that joins reads the DB up to the feed's first line, then
 * walks the feed: no gap, no duplicate.
 */
export class ReleaseFeed {
  private entries: FeedEntry[] = [];
  /** Index (since the feed started) of entries[0]. */
  private firstIndex = 0;
  private byteEnd = 0;
  private bytes = 0;
  /** The last line in the feed; every line up to it is stored in the DB. */
  private lastSeq = 0;
  /** The latest status entry trimmed from the window: a viewer that starts at the window's start begins with it. */
  private statusBeforeWindow: FeedEntry | null = null;
  private lastStatus = '';
  private ended = false;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  private refreshQueued = false;
  private unsubscribe: (() => void) | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private notifyScheduled = false;
  private readonly viewers = new Set<FeedViewer>();
  private readonly pageReads = new Map<number, Promise<FeedEntry | null>>();
  private readonly cachedPages = new Map<number, FeedEntry>();
  /** Settles once the feed knows where the stored log ends and the release's status. */
  readonly ready: Promise<void>;

  constructor(
    readonly releaseId: number,
    private readonly store: FeedStore,
    private readonly subscribe: Subscribe,
    private readonly options: FeedOptions,
  ) {
    this.ready = this.start();
    this.ready.catch(() => undefined);
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** The index one past the newest entry. */
  get endIndex(): number {
    return this.firstIndex + this.entries.length;
  }

  get endBytes(): number {
    return this.byteEnd;
  }

  get windowBytes(): number {
    return this.bytes;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The first line held in memory; lines before it are read from the DB (catch-up). */
  get firstSeqInWindow(): number {
    for (const entry of this.entries) if (entry.lastSeq >= entry.firstSeq) return entry.firstSeq;
    return this.lastSeq + 1;
  }

  /** The entry at `index`, or undefined once it has left the window (or does not exist yet). */
  entry(index: number): FeedEntry | undefined {
    return this.entries[index - this.firstIndex];
  }

  /**
   * Starts `viewer` at the window's start (it skips lines it already sent) and returns the status entry
   * in force there, if it was trimmed. Call only once the viewer has sent every line before the window.
   */
  attach(viewer: FeedViewer): { position: number; statusBefore: FeedEntry | null; byteStart: number } {
    this.viewers.add(viewer);
    const byteStart = this.entries[0] ? this.entries[0].byteEnd - this.entries[0].frames.length : this.byteEnd;
    return { position: this.firstIndex, statusBefore: this.statusBeforeWindow, byteStart };
  }

  detach(viewer: FeedViewer): void {
    this.viewers.delete(viewer);
  }

  /**
   * Stored lines after `after` for a viewer catching up, as ready-made frames: the aligned page holding
   * line after+1, read once for every viewer that asks for it at the same time (and kept when complete).
   */
  async catchUpPage(after: number): Promise<FeedEntry | null> {
    const page = Math.floor(after / PAGE_LINES);
    const cached = this.cachedPages.get(page);
    if (cached && cached.lastSeq > after) return cached;
    let read = this.pageReads.get(page);
    if (!read) {
      read = this.store.readLog(this.releaseId, page * PAGE_LINES, PAGE_LINES).then((lines) => {
        const contiguous = leadingRun(lines, page * PAGE_LINES + 1);
        if (contiguous.length === 0) return null;
        const entry = { ...logFrames(contiguous), status: null, final: false, byteEnd: 0 };
        // Kept even when partial (the newest page): viewers joining one after another then share one read
        // until the page has grown past what they need.
        this.cachedPages.delete(page);
        this.cachedPages.set(page, entry);
        for (const key of this.cachedPages.keys()) if (this.cachedPages.size > CACHED_PAGES) this.cachedPages.delete(key);
        return entry;
      });
      this.pageReads.set(page, read);
      void read.finally(() => this.pageReads.delete(page)).catch(() => undefined);
    }
    return read;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.unsubscribe?.();
    this.entries = [];
    this.cachedPages.clear();
  }

  private async start(): Promise<void> {
    const unsubscribe = await this.subscribe((event) => this.onEvent(event));
    if (this.closed) return unsubscribe();
    this.unsubscribe = unsubscribe;
    const release = await this.store.findById(this.releaseId);
    if (!release) throw new NotFoundException(`id: release ${this.releaseId} not found`);
    // Lines up to here are read from the DB by each viewer; the feed holds what comes after.
    this.lastSeq = release.logLines;
    await this.applyRow(release);
    if (this.closed || this.ended) return;
    this.pollTimer = setInterval(() => this.queueRefresh(), this.options.pollMs ?? POLL_MS);
    this.keepaliveTimer = setInterval(() => {
      for (const viewer of this.viewers) viewer.onFeed(true);
    }, this.options.keepaliveMs ?? 15_000);
    this.pollTimer.unref();
    this.keepaliveTimer.unref();
  }

  private onEvent(event: ReleaseEvent): void {
    if (event.type === 'log') this.enqueue(() => this.onLiveLines(event.firstSeq, event.lines));
    else if (event.type === 'status') this.queueRefresh();
    else this.enqueue(async () => this.pushAnsibleEvent(event));
  }

  /**
   * ansible's events (issue 21), live only: `event: task` / `host-result` / `events-complete`, masked and
   * stored before they were announced. No id (Last-Event-ID counts log lines): a viewer that reconnects
   * reads what it missed from /hosts, /tasks and /ansible-events.
   */
  private pushAnsibleEvent(event: Exclude<ReleaseEvent, { type: 'log' | 'status' }>): void {
    const frames = Buffer.from(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    this.push({ firstSeq: this.lastSeq + 1, lastSeq: this.lastSeq, frames, offsets: [], status: null, final: false, ansible: true });
  }

  /** One refresh waiting at most: a burst of status messages and poll ticks costs one row read. */
  private queueRefresh(): void {
    if (this.refreshQueued || this.ended) return;
    this.refreshQueued = true;
    this.enqueue(async () => {
      this.refreshQueued = false;
      const release = await this.store.findById(this.releaseId);
      if (!release) throw new Error(`release ${this.releaseId} is gone`);
      await this.applyRow(release);
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain
      .then(() => (this.closed || this.ended ? undefined : step()))
      .catch(() => {
        // A failed DB read: the viewers reconnect (and resume from their Last-Event-ID) to a fresh feed.
        for (const viewer of [...this.viewers]) viewer.onFeedClosed();
        this.close();
      });
  }

  private async onLiveLines(firstSeq: number, lines: string[]): Promise<void> {
    if (firstSeq > this.lastSeq + 1) await this.fillFromStore(firstSeq - 1);
    const skip = this.lastSeq + 1 - firstSeq;
    if (skip < 0) return; // still a gap (lines missing in the store): the next poll tries again
    this.appendLines(lines.slice(skip).map((text, i) => ({ seq: firstSeq + skip + i, text })));
  }

  /** The row: lines stored but not announced, a status event if anything changed, and the end once final. */
  private async applyRow(release: ReleaseEntity): Promise<void> {
    if (isFinal(release.status)) await this.fillFromStore(await this.store.lastLogSeq(this.releaseId));
    else if (release.logLines > this.lastSeq) await this.fillFromStore(release.logLines);
    const status = JSON.stringify(statusOf(release));
    const final = isFinal(release.status);
    if (status === this.lastStatus && !final) return;
    this.lastStatus = status;
    this.push({ firstSeq: this.lastSeq + 1, lastSeq: this.lastSeq, frames: statusFrames(status, final), offsets: [], status, final });
    if (final) {
      this.ended = true;
      if (this.pollTimer) clearInterval(this.pollTimer);
    }
  }

  /** Reads stored lines after the feed's last one up to `target`, stopping at a hole. */
  private async fillFromStore(target: number): Promise<void> {
    while (this.lastSeq < target && !this.closed) {
      const lines = await this.store.readLog(this.releaseId, this.lastSeq, Math.min(PAGE_LINES, target - this.lastSeq));
      const run = leadingRun(lines, this.lastSeq + 1);
      if (run.length === 0) return;
      this.appendLines(run);
    }
  }

  private appendLines(lines: LogLine[]): void {
    if (lines.length === 0) return;
    this.push({ ...logFrames(lines), status: null, final: false });
    this.lastSeq = lines[lines.length - 1].seq;
  }

  private push(entry: Omit<FeedEntry, 'byteEnd'>): void {
    if (this.closed) return;
    this.byteEnd += entry.frames.length;
    this.bytes += entry.frames.length;
    this.entries.push({ ...entry, byteEnd: this.byteEnd });
    this.trim();
    this.scheduleNotify();
  }

  /**
   * Drops the oldest entries once the window is over its bound (viewers still on them are too far
   * behind and leave), or once it is over RECENT_BYTES and no viewer needs them.
   */
  private trim(): void {
    let slowest = this.endIndex;
    for (const viewer of this.viewers) slowest = Math.min(slowest, viewer.position);
    while (this.entries.length > 1) {
      const oldest = this.entries[0];
      const overBound = this.bytes > this.options.maxBacklogBytes;
      const unneeded = this.bytes > RECENT_BYTES && this.firstIndex < slowest;
      if (!overBound && !unneeded) break;
      this.entries.shift();
      this.firstIndex++;
      this.bytes -= oldest.frames.length;
      if (oldest.status !== null) this.statusBeforeWindow = oldest;
    }
  }

  /** Entries that arrive together (one event-loop turn) reach each viewer as one write. */
  private scheduleNotify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    setImmediate(() => {
      this.notifyScheduled = false;
      if (this.closed) return;
      for (const viewer of [...this.viewers]) viewer.onFeed();
    });
  }
}

function statusFrames(status: string, final: boolean): Buffer {
  return Buffer.from(`event: status\ndata: ${status}\n\n${final ? `event: end\ndata: ${status}\n\n` : ''}`);
}

/** The lines of `lines` that continue the sequence at `from` without a gap. */
function leadingRun(lines: LogLine[], from: number): LogLine[] {
  const start = lines.findIndex((line) => line.seq === from);
  if (start < 0) return [];
  let end = start + 1;
  while (end < lines.length && lines[end].seq === lines[end - 1].seq + 1) end++;
  return lines.slice(start, end);
}
