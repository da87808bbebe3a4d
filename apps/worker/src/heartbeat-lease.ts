import { rename, writeFile } from 'node:fs/promises';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';

const NS_PER_MS = 1_000_000n;

/**
 * Fencing. The worker may run releases only while its registry key in Redis cannot have expired: each
 * heartbeat written (SET … PX WORKER_TTL_MS) extends the lease to the moment the write was *sent* plus the
 * TTL (the key itself lives at least that long). Another worker reaps a lost worker's releases only after
 * its key has been missing for WORKER_TTL_MS + CANCEL_GRACE_MS more (Housekeeping), by which time a worker
 * that lost its lease has stopped its runs: SIGINT when the lease ends, SIGKILL CANCEL_GRACE_MS later.
 *
 * The deadline is on CLOCK_MONOTONIC (process.hrtime, Python's time.monotonic_ns: the same clock), and is
 * written into each run's lease file, where the run's own supervisor (bin/slipway-run.py) checks it: a
 * worker that is stalled, stopped or wedged cannot keep its runs going by failing to look.
 */
@Injectable()
export class HeartbeatLease implements OnApplicationShutdown {
  private readonly logger = new Logger('HeartbeatLease');
  private deadlineNs = 0n;
  private readonly files = new Set<string>();
  private expiryTimer: NodeJS.Timeout | null = null;
  private readonly expiredListeners: ((reason: string) => void)[] = [];
  private writes: Promise<void> = Promise.resolve();
  private expiredOnce = false;

  constructor(@Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig) {}

  /** A heartbeat sent at `sentAtNs` (process.hrtime.bigint()) was acknowledged by Redis. */
  renewed(sentAtNs: bigint): void {
    const deadline = sentAtNs + BigInt(this.config.workerTtlMs) * NS_PER_MS;
    if (deadline <= this.deadlineNs) return;
    const wasValid = this.valid;
    this.deadlineNs = deadline;
    if (!wasValid && this.expiredOnce) this.logger.log('heartbeat lease renewed');
    this.armExpiry();
    this.writeAll();
  }

  get valid(): boolean {
    return process.hrtime.bigint() < this.deadlineNs;
  }

  /** Calls `listener` each time the lease runs out (the worker could not renew it for a TTL). */
  onExpired(listener: (reason: string) => void): void {
    this.expiredListeners.push(listener);
  }

  /** Keeps `file` holding the current deadline for as long as the run lives. */
  async track(file: string): Promise<void> {
    this.files.add(file);
    await writeLease(file, this.deadlineNs);
  }

  untrack(file: string): void {
    this.files.delete(file);
  }

  onApplicationShutdown(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
  }

  fencedReason(): string {
    return `worker ${this.config.workerId} could not renew its heartbeat for ${this.config.workerTtlMs} ms (fenced: its runs were stopped)`;
  }

  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const remainingMs = Number((this.deadlineNs - process.hrtime.bigint()) / NS_PER_MS);
    this.expiryTimer = setTimeout(() => this.checkExpiry(), Math.max(0, remainingMs) + 1);
    this.expiryTimer.unref();
  }

  private checkExpiry(): void {
    if (this.valid) return this.armExpiry();
    this.expiredOnce = true;
    const reason = this.fencedReason();
    this.logger.error(reason);
    for (const listener of this.expiredListeners) listener(reason);
  }

  private writeAll(): void {
    const deadline = this.deadlineNs;
    const files = [...this.files];
    // In order, so an older deadline never lands after a newer one.
    this.writes = this.writes.then(async () => {
      for (const file of files) {
        if (this.files.has(file)) await writeLease(file, deadline).catch(() => undefined); // run ended meanwhile
      }
    });
  }
}

let leaseWrites = 0;

/** Atomically (write, then rename): the supervisor reads either the old deadline or the new one. */
async function writeLease(file: string, deadlineNs: bigint): Promise<void> {
  const next = `${file}.${++leaseWrites}`; // own name per write: a track() and a renewal may overlap
  await writeFile(next, `${deadlineNs}\n`, { mode: 0o600 });
  await rename(next, file);
}
