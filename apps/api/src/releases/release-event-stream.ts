import type { Response } from 'express';
import type { ReleaseEntity } from '@slipway/db';
import { type ReleaseEvent, type ReleaseStore, isFinal } from '@slipway/releases';
import type { ClosableStream, ReleaseEventsHub } from './release-events.hub.js';
import { writeOrClose } from './response-writes.js';

/** Re-read the row this often: catches changes no worker announces (waiting reason, API-side cancel, lost messages). */
const POLL_MS = 1_000;
const KEEPALIVE_MS = 15_000;
const PAGE_LINES = 5_000;
/** What EventSource waits before reconnecting (sent first, and again when the API shuts down). */
export const RECONNECT_MS = 2_000;
export const SHUTDOWN_RECONNECT_MS = 1_000;

/** What a `status` event carries: everything about the release that can change while it is watched. */
function statusOf(release: ReleaseEntity) {
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
 * One client's `GET /releases/:id/events`. Order of work, all on one serial chain so writes never
 * interleave: subscribe to the worker's live events first, then send the stored log after `after`, then
 * live lines with seq > the last one sent. A live batch that starts past the next expected seq (a
 * message was lost) is filled from the DB, where every announced line already is. Events:
 *   `log`    id = seq, data = {"seq", "text"}   (the id is what Last-Event-ID resumes from)
 *   `status` data = the release's status fields, on connect and on every change
 *   `end`    data = the final status fields; then the response ends.
 */
export class ReleaseEventStream implements ClosableStream {
  private lastSeq: number;
  private lastStatus = '';
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private unsubscribe: (() => void) | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly releaseId: number,
    after: number,
    private readonly response: Response,
    private readonly store: ReleaseStore,
    private readonly hub: ReleaseEventsHub,
  ) {
    this.lastSeq = after;
  }

  /** Resolves once the stream is open (headers sent); the rest runs on its own until the end event. */
  async open(): Promise<void> {
    // Listen for the client leaving before anything is awaited: one that leaves while the subscription
    // is still being set up must not leave the subscription (or timers) behind.
    this.response.on('close', () => this.close());
    const unsubscribe = await this.hub.subscribe(this.releaseId, (event) => this.enqueue(() => this.onLive(event)));
    if (this.closed || this.response.destroyed) {
      unsubscribe();
      this.close();
      return;
    }
    this.unsubscribe = unsubscribe;
    this.hub.register(this);
    this.response.status(200);
    this.response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.response.setHeader('Cache-Control', 'no-cache, no-transform');
    this.response.setHeader('Connection', 'keep-alive');
    this.response.setHeader('X-Accel-Buffering', 'no');
    this.response.flushHeaders();
    this.response.socket?.setNoDelay(true);
    await this.write(`retry: ${RECONNECT_MS}\n\n`);
    this.enqueue(() => this.refresh());
    this.pollTimer = setInterval(() => this.enqueue(() => this.refresh()), POLL_MS);
    this.keepaliveTimer = setInterval(() => this.enqueue(() => this.write(': keepalive\n\n')), KEEPALIVE_MS);
  }

  closeForShutdown(): void {
    if (this.closed) return;
    // Written directly (not queued): the server is going away and must not wait for a slow DB read.
    this.response.write(`retry: ${SHUTDOWN_RECONNECT_MS}\n: server shutting down, reconnect\n\n`);
    this.close();
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain
      .then(() => (this.closed ? undefined : step()))
      .catch(() => {
        // A DB or socket failure: end the stream; EventSource (or the CLI) reconnects and resumes.
        this.close();
      });
  }

  private async onLive(event: ReleaseEvent): Promise<void> {
    if (event.type === 'log') {
      if (event.firstSeq > this.lastSeq + 1) await this.sendStoredLines();
      const alreadySent = Math.max(0, this.lastSeq - event.firstSeq + 1);
      const fresh = event.lines.slice(alreadySent).map((text, i) => ({ seq: event.firstSeq + alreadySent + i, text }));
      await this.sendLines(fresh);
      return;
    }
    await this.refresh();
  }

  /** Reads the row: sends missing lines, a status event if anything changed, and the end if final. */
  private async refresh(): Promise<void> {
    const release = await this.store.findById(this.releaseId);
    if (!release) return this.close();
    if (release.logLines > this.lastSeq || isFinal(release.status)) await this.sendStoredLines();
    const status = JSON.stringify(statusOf(release));
    if (status !== this.lastStatus) {
      this.lastStatus = status;
      await this.write(`event: status\ndata: ${status}\n\n`);
    }
    if (isFinal(release.status)) {
      await this.write(`event: end\ndata: ${status}\n\n`);
      this.close();
    }
  }

  /** Every stored line after the last one sent, page by page up to the last stored line. */
  private async sendStoredLines(): Promise<void> {
    for await (const page of this.store.logPages(this.releaseId, this.lastSeq, PAGE_LINES)) {
      const before = this.lastSeq;
      await this.sendLines(page);
      // A page that could not continue the sequence (lines missing in the store): stop here rather
      // than send anything out of order; the next refresh tries again.
      if (this.closed || this.lastSeq === before) return;
    }
  }

  private async sendLines(lines: { seq: number; text: string }[]): Promise<void> {
    let chunk = '';
    for (const line of lines) {
      if (line.seq !== this.lastSeq + 1) continue; // never a duplicate, never out of order
      chunk += `id: ${line.seq}\nevent: log\ndata: ${JSON.stringify({ seq: line.seq, text: line.text })}\n\n`;
      this.lastSeq = line.seq;
    }
    if (chunk) await this.write(chunk);
  }

  /** Waits for the socket to drain when the client reads slower than the log grows. */
  private async write(chunk: string): Promise<void> {
    if (this.closed) return;
    if (!(await writeOrClose(this.response, chunk))) this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.unsubscribe?.();
    this.hub.unregister(this);
    if (!this.response.writableEnded) this.response.end();
  }
}
