import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { procStartTime } from './run-directory.js';

const NS_PER_MS = 1_000_000n;

/**
 * Fencing. The worker may run releases only while its registry key in Redis cannot have expired: each
 * heartbeat written (SET … PX WORKER_TTL_MS) extends the lease to the moment the write was *sent* plus the
 * TTL (the key itself lives at least that long). Another worker reaps a lost worker's releases only after
 * its key has been missing for WORKER_TTL_MS + CANCEL_GRACE_MS more (Housekeeping), by which time a worker
 * that lost its lease has stopped its runs: SIGINT when the lease ends, SIGKILL CANCEL_GRACE_MS later.
 *
 * The deadline is on CLOCK_MONOTONIC (process.hrtime, Python's time.monotonic_ns: the same clock) and is
 * written to one lease file per worker process (SLIPWAY_RUN_DIR/lease-<pid>-<start>), which every run's
 * supervisor (bin/slipway-spawner.py) checks: a worker that is stalled, stopped or wedged cannot keep its
 * runs going by failing to look. One file, one write per heartbeat, never queued behind older writes.
 */
@Injectable()
export class HeartbeatLease implements OnApplicationShutdown {
  private readonly logger = new Logger('HeartbeatLease');
  private deadlineNs = 0n;
  private expiryTimer: NodeJS.Timeout | null = null;
  private readonly expiredListeners: ((reason: string) => void)[] = [];
  private expiredOnce = false;
  private writing: Promise<void> | null = null;
  private writtenNs = -1n;
  readonly file: string;

  constructor(@Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig) {
    this.file = path.join(config.runDir, `lease-${process.pid}-${procStartTime(process.pid) ?? 'unknown'}`);
  }

  /** A heartbeat sent at `sentAtNs` (process.hrtime.bigint()) was acknowledged by Redis. */
  renewed(sentAtNs: bigint): void {
    const deadline = sentAtNs + BigInt(this.config.workerTtlMs) * NS_PER_MS;
    if (deadline <= this.deadlineNs) return;
    const wasValid = this.valid;
    this.deadlineNs = deadline;
    if (!wasValid && this.expiredOnce) this.logger.log('heartbeat lease renewed');
    this.armExpiry();
    void this.flush();
  }

  get valid(): boolean {
    return process.hrtime.bigint() < this.deadlineNs;
  }

  /** Calls `listener` each time the lease runs out (the worker could not renew it for a TTL). */
  onExpired(listener: (reason: string) => void): void {
    this.expiredListeners.push(listener);
  }

  /** Resolves once the file holds the current deadline (before a run is started on it); coalesces writes. */
  async flush(): Promise<void> {
    for (let attempt = 0; attempt < 3 && this.writtenNs !== this.deadlineNs; attempt++) {
      if (!this.writing) {
        const deadline = this.deadlineNs;
        this.writing = writeLease(this.file, deadline)
          .then(() => {
            this.writtenNs = deadline;
          })
          .catch((error: unknown) => this.logger.warn(`lease file not written: ${(error as Error).message}`))
          .finally(() => {
            this.writing = null;
          });
      }
      await this.writing;
    }
  }

  fencedReason(): string {
    return `worker ${this.config.workerId} could not renew its heartbeat for ${this.config.workerTtlMs} ms (fenced: its runs were stopped)`;
  }

  onApplicationShutdown(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    rmSync(this.file, { force: true }); // no run is left to read it (a crash leaves it to the next sweep)
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
}

/** Atomically (write, then rename): a supervisor reads either the old deadline or the new one. */
async function writeLease(file: string, deadlineNs: bigint): Promise<void> {
  const next = `${file}.${randomBytes(4).toString('hex')}`;
  await writeFile(next, `${deadlineNs}\n`, { mode: 0o600 });
  await rename(next, file);
}
