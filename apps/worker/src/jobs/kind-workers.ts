import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { type Job, type Queue, WaitingError, Worker } from 'bullmq';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { watchBullMqConnections } from '@slipway/queue';
import { ShutdownCoordinator } from '../shutdown-coordinator.js';
import { JobKindRegistry, type RegisteredJobKind } from './job-kind-registry.js';

interface RunningKind {
  readonly kind: RegisteredJobKind;
  readonly queue: Queue;
  readonly worker: Worker;
}

/**
 * One BullMQ worker per registered job kind, built from its definition. Started by hand once the app is
 * up (autorun: false); each is one fetcher of the shutdown coordinator, which closes them all when the
 * drain begins. A job fetched in the instant the drain began goes back to the queue for another worker.
 */
@Injectable()
export class KindWorkers implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JobKinds');
  private running: RunningKind[] = [];
  private schedulerCheck: NodeJS.Timeout | null = null;

  constructor(
    private readonly registry: JobKindRegistry,
    private readonly shutdown: ShutdownCoordinator,
    private readonly moduleRef: ModuleRef,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  /** The workers exist (and their connections are watched) before anything starts fetching. */
  onModuleInit(): void {
    this.running = this.registry.kinds.map((kind) => {
      const { definition } = kind;
      // The queue handle registered for the kind (BullModule.registerQueue): same connection and prefix.
      const queue = this.moduleRef.get<Queue>(getQueueToken(definition.queueName), { strict: false });
      const worker = new Worker(definition.queueName, (job: Job, token?: string) => this.process(kind, job, token), {
        connection: queue.opts.connection,
        prefix: queue.opts.prefix,
        autorun: false,
        concurrency: definition.concurrency(this.config),
        lockDuration: definition.lockDuration,
        stalledInterval: definition.stalledInterval,
        maxStalledCount: definition.maxStalledCount,
        // Short blocking waits so a draining worker leaves its fetch loop quickly.
        drainDelay: 1,
      });
      watchBullMqConnections(worker, `${definition.name}-worker`);
      watchBullMqConnections(queue, `${definition.queueName}-queue`);
      return { kind, queue, worker };
    });
  }

  onApplicationBootstrap(): void {
    for (const running of this.running) this.shutdown.attachFetcher({ close: () => this.close(running) });
    // A signal during start-up: never begin fetching (the coordinator has closed the workers already).
    if (this.shutdown.draining) return;
    for (const { worker } of this.running) void worker.run();
    for (const running of this.running) void this.schedule(running);
    // Redis keeps nothing on disk here: a restart or a flush loses every job scheduler, and with them the
    // repeating kinds (schedules, webhook deliveries, pending outcomes) would stop until a worker restarts.
    // So each worker checks on the housekeeping interval that they exist, and writes back a lost one.
    this.schedulerCheck = setInterval(() => void this.keepScheduled(), this.config.housekeepingIntervalMs);
    this.schedulerCheck.unref();
  }

  /** Nest closes the app: a worker the drain has closed already returns the same promise. */
  async onApplicationShutdown(): Promise<void> {
    if (this.schedulerCheck) clearInterval(this.schedulerCheck);
    await Promise.all(this.running.map(({ worker }) => worker.close()));
  }

  private async process({ definition, handler }: RegisteredJobKind, job: Job, token?: string): Promise<void> {
    if (this.shutdown.draining && token) {
      // Fetched in the instant the drain began: hand it to another worker rather than start it here.
      await job.moveToWait(token);
      this.logger.log({ kind: definition.name, jobId: job.id, msg: `${definition.name} job ${job.id} fetched while draining: handed back to the queue` });
      throw new WaitingError();
    }
    const jobId = job.id ?? '?';
    this.registry.jobStarted(definition.name, jobId);
    try {
      await handler.process(job, token);
    } finally {
      this.registry.jobEnded(definition.name, jobId);
    }
  }

  /**
   * The drain of one kind. finish-in-flight: BullMQ's close, which resolves once the jobs in hand are done
   * (the coordinator holds the deadline). abandon-safely: told to stop, waited for at most its grace, then
   * closed without waiting; what it still had in hand is redelivered once its lock lapses.
   */
  private async close({ kind, worker }: RunningKind): Promise<void> {
    if (this.schedulerCheck) clearInterval(this.schedulerCheck);
    const { name, drain } = kind.definition;
    this.registry.setState(name, 'draining');
    if (drain.policy === 'abandon-safely') {
      kind.handler.stopAll?.({ kind: 'interrupt', reason: `worker ${this.config.workerId} is draining` });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.registry.whenKindIdle(name), new Promise((resolve) => (timer = setTimeout(resolve, drain.graceMs).unref()))]);
      clearTimeout(timer);
      this.registry.abandon(name);
      await worker.close(true);
    } else {
      await worker.close();
    }
    this.registry.setState(name, 'stopped');
  }

  /** A repeating kind's job scheduler: upserted by every worker (the same id, so never twice). */
  private async schedule({ kind, queue }: RunningKind): Promise<void> {
    const { repeat, jobName, defaultJobOptions, name } = kind.definition;
    if (!repeat) return;
    try {
      await queue.upsertJobScheduler(repeat.schedulerId, { every: repeat.everyMs(this.config) }, { name: jobName, data: repeat.data, opts: defaultJobOptions });
    } catch (error) {
      // Another worker's upsert keeps it going; this one's next start tries again.
      this.logger.warn(`${name}: job scheduler not written (${(error as Error).message})`);
    }
  }

  /** Writes back the job scheduler of each repeating kind that Redis no longer has (see onApplicationBootstrap). */
  private async keepScheduled(): Promise<void> {
    if (this.shutdown.draining) return;
    for (const running of this.running) {
      const { repeat, name } = running.kind.definition;
      if (!repeat) continue;
      try {
        if (await running.queue.getJobScheduler(repeat.schedulerId)) continue;
      } catch {
        continue; // Redis away: the next check looks again
      }
      this.logger.warn(`${name}: its job scheduler was missing from Redis (a restart or flush?): written again`);
      await this.schedule(running);
    }
  }
}
