import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { type SlipwayKeys, type WorkerRegistryEntry, type WorkerState, removeWorker, slipwayKeys, writeWorkerBeat } from '@slipway/queue';
import { HeartbeatLease } from './heartbeat-lease.js';
import { JobKindRegistry } from './jobs/job-kind-registry.js';
import { ReleaseEventsPublisher } from './release-events.publisher.js';
import { ReleaseRunner } from './release-runner.js';

const VERSION = process.env.npm_package_version ?? '0.1.0';

/**
 * Announces this worker in Redis with a heartbeat: one key per worker that expires after WORKER_TTL_MS
 * (listed in the registry's index, see writeWorkerBeat), so a worker that stops heart-beating (SIGKILL,
 * machine lost) disappears on its own. The reaper uses the
 * same keys to find releases whose worker is gone.
 */
@Injectable()
export class WorkerRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerRegistry');
  private state: WorkerState = 'active';
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  private readonly startedAt = new Date().toISOString();
  private readonly keys: SlipwayKeys;

  constructor(
    private readonly events: ReleaseEventsPublisher,
    private readonly runner: ReleaseRunner,
    private readonly lease: HeartbeatLease,
    private readonly jobKinds: JobKindRegistry,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {
    this.keys = slipwayKeys(config.queuePrefix);
  }

  /** The first beat is awaited: it grants the lease without which no run starts (HeartbeatLease). */
  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.config.workerHeartbeatMs);
    this.timer.unref();
  }

  /** Written at once, so /workers shows the change within one round trip. */
  setState(state: WorkerState): Promise<void> {
    this.state = state;
    return this.beat();
  }

  async beat(): Promise<void> {
    const entry: WorkerRegistryEntry = {
      id: this.config.workerId,
      host: hostname(),
      pid: process.pid,
      version: VERSION,
      concurrency: this.config.workerConcurrency,
      state: this.state,
      releases: this.runner.inFlightIds,
      kinds: this.jobKinds.report(),
      startedAt: this.startedAt,
      heartbeatAt: new Date().toISOString(),
    };
    // Taken before sending: the key lives at least TTL from here, so the lease never outlasts it.
    const sentAt = process.hrtime.bigint();
    try {
      await writeWorkerBeat(this.events.connection, this.keys, entry, this.config.workerTtlMs);
      this.lease.renewed(sentAt);
      if (this.failing) this.logger.log('heartbeat resumed');
      this.failing = false;
    } catch (error) {
      // Once per outage: the connection itself reports the loss and the return (watchRedisConnection).
      if (!this.failing) this.logger.warn(`heartbeat not written (Redis: ${(error as Error).message})`);
      this.failing = true;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await removeWorker(this.events.connection, this.keys, this.config.workerId).catch(() => undefined);
  }
}
