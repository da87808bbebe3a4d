import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { RELEASES_QUEUE, type ReleaseJobData, releaseJob, releaseJobId, slipwayKeys } from '@slipway/queue';
import { ReleaseStore } from '@slipway/releases';
import { ReleaseEventsPublisher } from './release-events.publisher.js';
import { ReleaseRunner } from './release-runner.js';
import { Retention } from './retention.js';
import { DnsLostRenders } from './dns-lost-renders.js';
import { RunDirectories } from './run-directory.js';

/** Beyond the fenced worker's SIGKILL (lease end + CANCEL_GRACE_MS): its supervisor's poll and the kill itself. */
const FENCE_MARGIN_MS = 2_000;

/**
 * The periodic checks that keep "no release stays running without a live worker" true. Design: the worker
 * registry, not BullMQ's stalled-job detection, decides that a worker is lost (its heartbeat key expired);
 * its running releases become `interrupted` ("worker <id> lost") and are never re-run silently. BullMQ may
 * still redeliver the stalled job; the runner then sees a final status and does nothing.
 * Every worker ticks: the reaper's "missing for a whole TTL" and the cancel poll are about what this worker
 * saw and runs. Writing back kept outcomes is cluster-wide, and is a job kind (PENDING_OUTCOMES_KIND).
 */
@Injectable()
export class Housekeeping implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Housekeeping');
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failingSince: number | null = null;
  /** Worker id → when its registry key was first seen missing (see missingForAWholeTtl). */
  private readonly missingSince = new Map<string, number>();
  private readonly keys: ReturnType<typeof slipwayKeys>;

  constructor(
    private readonly store: ReleaseStore,
    private readonly runner: ReleaseRunner,
    private readonly events: ReleaseEventsPublisher,
    @InjectQueue(RELEASES_QUEUE) private readonly queue: Queue<ReleaseJobData>,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
    private readonly runDirs: RunDirectories,
    private readonly retention: Retention,
    private readonly dnsLostRenders: DnsLostRenders,
  ) {
    this.keys = slipwayKeys(config.queuePrefix);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Before the first tick: what a crashed predecessor on this host left running dies now.
    const swept = await this.runDirs.sweepLeftovers();
    this.timer = setInterval(() => void this.tick(), this.config.housekeepingIntervalMs);
    this.timer.unref();
    void this.interruptSwept(swept).finally(() => void this.tick());
  }

  /**
   * The releases of runs swept at start: their processes are known to be gone, so they are interrupted at
   * once rather than after the lost-worker wait (the DB write retries; on failure the reaper does it later).
   */
  private async interruptSwept(swept: Awaited<ReturnType<RunDirectories['sweepLeftovers']>>): Promise<void> {
    for (const { releaseId, workerId } of swept) {
      if (workerId === this.config.workerId && this.runner.isRunningHere(releaseId)) continue;
      const reason = `worker ${workerId} lost`;
      try {
        if (await this.store.interrupt(releaseId, workerId, reason)) {
          this.logger.warn({ releaseId, msg: `release ${releaseId} interrupted: ${reason} (its processes were killed at start)` });
          this.events.publish(releaseId, { type: 'status', status: 'interrupted', reason });
        }
      } catch (error) {
        this.logger.warn({ releaseId, msg: `release ${releaseId}: not marked interrupted yet (${(error as Error).message})` });
      }
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    // In the background with its own guard: a long retention backlog never delays reaping lost workers.
    this.retention.maybeRun();
    if (this.running) return;
    this.running = true;
    try {
      await this.reapLostWorkers();
      await this.requeueLostJobs();
      await this.dnsLostRenders.requeue();
      if (this.failingSince !== null) {
        this.logger.log(`housekeeping back after ${Date.now() - this.failingSince} ms`);
        this.failingSince = null;
      }
    } catch (error) {
      // Once per outage, not every tick: the connection watchers already say what is down.
      if (this.failingSince === null) this.logger.warn(`housekeeping skipped until it succeeds again: ${(error as Error).message}`);
      this.failingSince ??= Date.now();
    } finally {
      this.running = false;
    }
  }

  private async reapLostWorkers(): Promise<void> {
    const running = await this.store.listRunning();
    const owners = new Set(running.map((r) => r.workerId));
    for (const workerId of this.missingSince.keys()) if (!owners.has(workerId)) this.missingSince.delete(workerId);
    const pending = new Set(Object.keys(await this.events.connection.hgetall(this.keys.pendingOutcomes)));
    for (const { id, workerId } of running) {
      if (this.runner.isRunningHere(id) || pending.has(String(id))) continue;
      if (!workerId) continue;
      const alive = workerId !== this.config.workerId && (await this.events.connection.exists(this.keys.workerKey(workerId))) === 1;
      if (alive) {
        this.missingSince.delete(workerId);
        await this.pollCancel(id);
        continue;
      }
      if (workerId !== this.config.workerId && !this.missingForAWholeTtl(workerId)) continue;
      const reason = `worker ${workerId} lost`;
      if (await this.store.interrupt(id, workerId, reason)) {
        this.logger.warn({ releaseId: id, msg: `release ${id} interrupted: ${reason}` });
        this.events.publish(id, { type: 'status', status: 'interrupted', reason });
      }
    }
    for (const id of this.runner.inFlightIds) await this.pollCancel(id);
  }

  /**
   * A missing registry key is not yet a dead worker: a Redis restart without persistence loses every key,
   * and a live worker only writes its own back at its next heartbeat. So a worker counts as lost only
   * once its key has been missing for a whole WORKER_TTL_MS, which a live worker never lets happen, plus
   * CANCEL_GRACE_MS and a margin: a worker that could not renew its key has fenced itself by then (its
   * lease ended no later than its key, and its runs were SIGKILLed CANCEL_GRACE_MS after that), so its
   * lock keys are free of its processes before another release may take them. Every worker must use
   * the same WORKER_TTL_MS and CANCEL_GRACE_MS.
   */
  private missingForAWholeTtl(workerId: string): boolean {
    const since = this.missingSince.get(workerId);
    if (since === undefined) {
      this.missingSince.set(workerId, Date.now());
      return false;
    }
    return Date.now() - since >= this.config.workerTtlMs + this.config.cancelGraceMs + FENCE_MARGIN_MS;
  }

  /** Cancel requests normally arrive by pub/sub; this catches one lost while Redis restarted. */
  private async pollCancel(id: number): Promise<void> {
    if (!this.runner.isRunningHere(id)) return;
    const release = await this.store.findById(id);
    if (release?.cancelRequestedBy) {
      this.runner.stop(id, { kind: 'cancel', reason: `cancelled by ${release.cancelRequestedBy}` });
    }
  }

  /** A queued release must always have its job; re-add one that was lost (same job id, so never twice). */
  private async requeueLostJobs(): Promise<void> {
    // Younger than LOST_JOB_GRACE_MS, a release's job may still be on its way (the API adds it after the row).
    const queued = await this.store.listQueuedBefore(new Date(Date.now() - this.config.lostJobGraceMs));
    for (const { id, runAt } of queued) {
      const job = await this.queue.getJob(releaseJobId(id));
      if (job) continue;
      const lost = releaseJob(id, runAt);
      await this.queue.add(lost.name, lost.data, lost.opts);
      this.logger.warn({ releaseId: id, msg: `release ${id} had no job; queued it again` });
    }
  }
}
