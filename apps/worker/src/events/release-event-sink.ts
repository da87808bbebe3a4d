import { Logger } from '@nestjs/common';
import { type AnsibleEventHead, type SecretMasker, type StorableAnsibleEvent, parseAnsibleEvent, storableAnsibleEvent } from '@slipway/ansible';
import { RetryBudgetExhaustedError } from '@slipway/db';

/** Where the sink stores a batch (the DB), announces it once stored (Redis pub/sub) and records the losses. */
export interface EventBatchTarget {
  store(events: StorableAnsibleEvent[]): Promise<void>;
  announce(events: AnsibleEventHead[]): void;
  recordNotKept(total: number): Promise<void>;
}

/**
 * The bound on events waiting in the worker's memory for the DB: 2 000 events or 4 MiB of their JSON,
 * whichever comes first (two full batches: one being stored, the next one ready). At the bound the tail
 * stops reading (the rest waits in the plugin's file, on disk), so a slow DB costs lag, never memory and
 * never ansible's time. (It was 5 000 / 16 MiB: parsed, that many events were most of the worker's RSS
 * growth under a flood and bought no throughput, the backlog waits on disk just as well.)
 */
export const MAX_BUFFERED_EVENTS = 2_000;
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** One multi-row INSERT: up to 1 000 events or 2 MiB of their JSON (well under max_allowed_packet's 16 MiB). */
const MAX_BATCH_EVENTS = 1_000;
const MAX_BATCH_BYTES = 2 * 1024 * 1024;
/**
 * How long events may wait for more to batch with: short for a live view, long enough to batch a flood.
 * (0, storing as soon as the sink is idle, left the release-events e2e's live stream without its end in
 * one run: not understood yet, so not done.)
 */
const FLUSH_DELAY_MS = 20;

interface Pending {
  event: StorableAnsibleEvent;
  bytes: number;
}

/**
 * One release's ansible events, from the plugin's lines to the DB: each is parsed, masked (every string,
 * with the release's own masker, the log's), cut to size, then stored in order in batches of consecutive
 * sequence numbers, and announced once stored. A batch the DB would not take within the retry budget is
 * counted as not kept (and the release's events stay incomplete from its first sequence); nothing is
 * dropped silently.
 */
export class ReleaseEventSink {
  private readonly logger = new Logger('ReleaseEventSink');
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private roomWaiters: (() => void)[] = [];
  private lostByWorker = 0;
  private lostByPlugin = 0;
  private unreadable = 0;
  private lastSeq = 0;
  /** Events stored, and the wait of each from ansible raising it to its commit (for the metrics). */
  stored = 0;
  /** The final stats are stored with every event before them: the release's events are complete. */
  complete = false;

  constructor(
    private readonly releaseId: number,
    private readonly masker: SecretMasker,
    private readonly target: EventBatchTarget,
    private readonly onStored: (lagsMs: number[]) => void = () => undefined,
  ) {}

  /** Events not kept so far: by the plugin (its file's bound) and by the worker (the DB refused them). */
  get notKept(): number {
    return this.lostByPlugin + this.lostByWorker;
  }

  /** One line of the plugin's file. Returns a promise while the buffer is full: read no more until it settles. */
  push(line: string): Promise<void> | null {
    const parsed = parseAnsibleEvent(line);
    if (!parsed || parsed.seq <= this.lastSeq) {
      // Not an event of this format, or one already seen: never stored, but never silent either.
      if (!parsed) this.unreadable++;
      return this.roomForMore();
    }
    this.lastSeq = parsed.seq;
    const event = storableAnsibleEvent(parsed, line, this.masker);
    if (event.head.type === 'stats') this.lostByPlugin = event.head.notKept;
    this.pending.push({ event, bytes: line.length });
    this.pendingBytes += line.length;
    this.schedule();
    return this.roomForMore();
  }

  private roomForMore(): Promise<void> | null {
    if (this.pending.length < MAX_BUFFERED_EVENTS && this.pendingBytes < MAX_BUFFERED_BYTES) return null;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.flushing || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushAll().finally(() => {
        this.flushing = null;
        if (this.pending.length) this.schedule();
      });
    }, FLUSH_DELAY_MS);
  }

  private async flushAll(): Promise<void> {
    while (this.pending.length) {
      const batch = this.cut();
      const events = batch.map((p) => p.event);
      try {
        await this.target.store(events);
        this.stored += events.length;
        const heads = events.map((e) => e.head);
        if (this.lostByWorker === 0 && this.unreadable === 0 && heads.some((e) => e.type === 'stats')) this.complete = true;
        const now = Date.now();
        this.onStored(heads.map((e) => Math.max(0, now - e.t)));
        this.target.announce(heads);
      } catch (error) {
        if (!(error instanceof RetryBudgetExhaustedError)) throw error;
        this.lostByWorker += events.length;
        this.logger.error({ releaseId: this.releaseId, msg: `release ${this.releaseId}: ${events.length} events not kept from seq ${events[0]?.head.seq} (${error.message})` });
      } finally {
        this.pendingBytes -= batch.reduce((sum, p) => sum + p.bytes, 0);
        this.releaseRoom();
      }
    }
  }

  /** The next batch: consecutive sequence numbers only, so a batch never hides a hole. */
  private cut(): Pending[] {
    let bytes = 0;
    let count = 0;
    for (const p of this.pending) {
      if (count >= MAX_BATCH_EVENTS || (count > 0 && bytes + p.bytes > MAX_BATCH_BYTES)) break;
      if (count > 0 && p.event.head.seq !== this.pending[count - 1].event.head.seq + 1) break;
      bytes += p.bytes;
      count++;
    }
    return this.pending.splice(0, count);
  }

  private releaseRoom(): void {
    if (this.pending.length >= MAX_BUFFERED_EVENTS || this.pendingBytes >= MAX_BUFFERED_BYTES) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Everything pushed is stored (or counted), and the count of what was not kept is recorded. */
  async drain(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.flushing || this.pending.length) {
      if (this.flushing) await this.flushing;
      else await (this.flushing = this.flushAll().finally(() => (this.flushing = null)));
    }
    if (this.unreadable) this.logger.warn({ releaseId: this.releaseId, msg: `release ${this.releaseId}: ${this.unreadable} unreadable event lines` });
    try {
      await this.target.recordNotKept(this.notKept);
    } catch (error) {
      if (!(error instanceof RetryBudgetExhaustedError)) throw error;
      this.logger.error({ releaseId: this.releaseId, msg: `release ${this.releaseId}: ${this.notKept} events not kept, and that count could not be stored` });
    }
  }
}
