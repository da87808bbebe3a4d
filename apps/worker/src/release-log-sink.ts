import { Logger } from '@nestjs/common';
import { RetryBudgetExhaustedError } from '@slipway/db';

/** Where a sink stores a batch (the DB) and announces it (Redis pub/sub); both injected for tests. */
export interface LogBatchTarget {
  store(firstSeq: number, lines: string[]): Promise<void>;
  announce(firstSeq: number, lines: string[]): void;
}

const MAX_BATCH_LINES = 1_000;
const MAX_BATCH_BYTES = 512 * 1024;
export const MAX_LINE_CHARS = 64 * 1024;
/** How long lines may sit before a flush: small enough for a live log, large enough to batch a flood. */
const FLUSH_DELAY_MS = 15;
/** Past this many unstored lines, reading from ansible pauses until the DB catches up (backpressure). */
const BACKPRESSURE_LINES = 10_000;
/** A store slower than this counts as "the DB is away": ansible is no longer held back, lines buffer. */
const SLOW_STORE_MS = 2_000;

/**
 * Numbers one release's output lines and stores them in order, in batches, exactly once.
 * A batch gets its sequence numbers when it is cut and keeps them through every retry, so a batch
 * retried after a lost connection lands on the same primary key and is not stored twice.
 * While the DB keeps up but is slower than ansible prints (a burst), reading pauses (backpressure), so a
 * million-line release is stored whole. While the DB is away, the release runs on: lines wait in memory up
 * to `maxBufferedLines`; past that the oldest waiting lines are replaced by one "N lines dropped" marker,
 * so memory stays bounded and the loss is visible.
 */
export class ReleaseLogSink {
  private readonly logger = new Logger('ReleaseLogSink');
  private pending: string[] = [];
  private droppedSinceMarker = 0;
  private nextSeq: number;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stuckSince: number | null = null;
  private closing = false;
  private storeStartedAt: number | null = null;
  private roomWaiters: (() => void)[] = [];

  constructor(
    private readonly releaseId: number,
    private readonly target: LogBatchTarget,
    private readonly maxBufferedLines: number,
    /** The first line's number: 1 for a run, later for lines kept in Redis by a run that stored the rest. */
    firstSeq = 1,
  ) {
    this.nextSeq = firstSeq;
  }

  get linesWritten(): number {
    return this.nextSeq - 1;
  }

  push(line: string): void {
    this.pending.push(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)} [line truncated]` : line);
    if (this.pending.length > this.maxBufferedLines) this.dropOldest();
    if (!this.flushing && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.startFlush();
      }, this.pending.length >= MAX_BATCH_LINES ? 0 : FLUSH_DELAY_MS);
    }
  }

  /**
   * Resolves when the caller may read more output: at once (null) unless many lines wait while the DB
   * is answering; never holds ansible back longer than SLOW_STORE_MS per store, so a DB outage cannot
   * stall the release.
   */
  roomForMore(): Promise<void> | null {
    const backpressureAt = Math.min(BACKPRESSURE_LINES, Math.floor(this.maxBufferedLines / 2));
    if (this.pending.length < backpressureAt) return null;
    if (this.storeStartedAt !== null && Date.now() - this.storeStartedAt > SLOW_STORE_MS) return null;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, SLOW_STORE_MS);
      this.roomWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    }).then(() => this.roomForMore() ?? undefined);
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Stores everything pushed so far (the process has ended). Unlike while running, a DB outage longer
   * than the retry budget now rejects, so the caller can keep the outcome elsewhere.
   */
  async drain(): Promise<void> {
    this.closing = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.pending.length > 0 || this.flushing) {
      if (!this.flushing) this.startFlush();
      await this.flushing;
    }
  }

  /** Lines not yet stored (for the outcome kept in Redis when the DB never came back). */
  takeUnstored(): { firstSeq: number; lines: string[] } {
    const lines = this.pending;
    this.pending = [];
    return { firstSeq: this.nextSeq, lines };
  }

  private startFlush(): void {
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = this.flushAll().finally(() => {
      this.flushing = null;
    });
  }

  private async flushAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.cutBatch();
      const firstSeq = this.nextSeq;
      this.nextSeq += batch.length;
      try {
        await this.storeUntilDone(firstSeq, batch);
      } catch (error) {
        // Put the batch back, numbers and all, for takeUnstored().
        this.pending.unshift(...batch);
        this.nextSeq = firstSeq;
        throw error;
      }
      this.target.announce(firstSeq, batch);
    }
  }

  private cutBatch(): string[] {
    let bytes = 0;
    let count = 0;
    if (this.droppedSinceMarker > 0) {
      this.pending.unshift(`[slipway] ${this.droppedSinceMarker} lines dropped while the database was unreachable`);
      this.droppedSinceMarker = 0;
    }
    while (count < this.pending.length && count < MAX_BATCH_LINES && bytes < MAX_BATCH_BYTES) {
      bytes += (this.pending[count]?.length ?? 0) + 1;
      count++;
    }
    return this.pending.splice(0, count);
  }

  /** A running release keeps running while the DB is away: keep retrying this batch, never drop it. */
  private async storeUntilDone(firstSeq: number, lines: string[]): Promise<void> {
    for (;;) {
      try {
        this.storeStartedAt = Date.now();
        await this.target.store(firstSeq, lines);
        this.storeStartedAt = null;
        this.wakeRoomWaiters();
        if (this.stuckSince !== null) {
          this.logger.log({ releaseId: this.releaseId, msg: `release ${this.releaseId}: log writes resumed after ${Date.now() - this.stuckSince} ms` });
          this.stuckSince = null;
        }
        return;
      } catch (error) {
        this.storeStartedAt = null;
        this.wakeRoomWaiters();
        if (error instanceof RetryBudgetExhaustedError && this.closing) throw error;
        if (!(error instanceof RetryBudgetExhaustedError)) {
          // Not a connection problem (e.g. the row is gone): retrying cannot help; say so and move on.
          this.logger.error({ releaseId: this.releaseId, msg: `release ${this.releaseId}: log lines ${firstSeq}+ not stored: ${String(error)}` });
          return;
        }
        this.stuckSince ??= Date.now();
        this.logger.warn({ releaseId: this.releaseId, msg: `release ${this.releaseId}: ${error.message}; still buffering its log` });
      }
    }
  }

  /** Drops a tenth of the bound at once, so a long outage costs one splice per many lines, not per line. */
  private dropOldest(): void {
    const excess = this.pending.length - this.maxBufferedLines + Math.ceil(this.maxBufferedLines / 10);
    this.pending.splice(0, excess);
    this.droppedSinceMarker += excess;
  }
}
