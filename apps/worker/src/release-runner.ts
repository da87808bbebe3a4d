import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type Catalog,
  CredentialError,
  RecapParser,
  SecretMasker,
  buildAnsibleArgv,
  prepareCredentials,
  removeExtraVarsFile,
  writeExtraVarsFile,
} from '@slipway/ansible';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { RetryBudgetExhaustedError, type ReleaseEntity } from '@slipway/db';
import { RELEASES_QUEUE, type ReleaseJobData, releaseJobId } from '@slipway/queue';
import { type FinalOutcome, ReleaseStore, SecretCipherError } from '@slipway/releases';
import { AnsibleProcess } from './ansible-process.js';
import { CATALOG } from '@slipway/ansible';
import { PendingOutcomes } from './pending-outcomes.js';
import { ReleaseEventsPublisher } from './release-events.publisher.js';
import { ReleaseLogSink } from './release-log-sink.js';
import { type StopRequest, decideOutcome } from './release-outcome.js';
import { resolveRunVars } from './run-vars.js';

/** What the processor should do with the job after run(). */
export type RunResult =
  | { kind: 'done' }
  | { kind: 'wait-for-lock'; blocker: number }
  | { kind: 'not-due'; runAt: Date };

interface InFlight {
  process: AnsibleProcess | null;
  stop: StopRequest | null;
}

/**
 * Runs one release from `queued` to its final status. Owns the in-flight table the shutdown
 * coordinator, cancel listener and registry read.
 */
@Injectable()
export class ReleaseRunner {
  private readonly logger = new Logger('ReleaseRunner');
  private readonly inFlight = new Map<number, InFlight>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: ReleaseStore,
    private readonly events: ReleaseEventsPublisher,
    private readonly pendingOutcomes: PendingOutcomes,
    @Inject(CATALOG) private readonly catalog: Catalog,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
    @InjectQueue(RELEASES_QUEUE) private readonly queue: Queue<ReleaseJobData>,
  ) {}

  get inFlightIds(): number[] {
    return [...this.inFlight.keys()];
  }

  isRunningHere(releaseId: number): boolean {
    return this.inFlight.has(releaseId);
  }

  async run(releaseId: number): Promise<RunResult> {
    const release = await this.store.findById(releaseId);
    if (!release || release.status !== 'queued') return { kind: 'done' }; // already handled elsewhere
    if (release.runAt && release.runAt.getTime() > Date.now()) return { kind: 'not-due', runAt: release.runAt };

    // Registered before the row says "running", so the lost-worker reaper never sees it orphaned.
    const entry: InFlight = { process: null, stop: null };
    this.inFlight.set(releaseId, entry);
    try {
      if (!(await this.store.tryStart(release, this.config.workerId))) {
        const blocker = await this.store.findBlocker(release);
        if (blocker === null) return { kind: 'done' }; // cancelled meanwhile
        await this.store.setWaitingReason(releaseId, `waiting for release ${blocker}`);
        return { kind: 'wait-for-lock', blocker };
      }
      this.logger.log({ releaseId, msg: `release ${releaseId} started (${release.template} on ${release.inventory})` });
      this.events.publish(releaseId, { type: 'status', status: 'running', workerId: this.config.workerId });
      const outcome = await this.execute(release, entry);
      await this.recordOutcome(release, outcome.final, outcome.sink);
      await this.wakeNextInLock(release);
      return { kind: 'done' };
    } finally {
      this.inFlight.delete(releaseId);
      if (this.inFlight.size === 0) this.notifyIdle();
    }
  }

  /** The next release on the same lock key is waiting in `delayed`: start it now instead of at its re-check. */
  private async wakeNextInLock(release: ReleaseEntity): Promise<void> {
    try {
      const next = await this.store.findNextInLock(release.lockKey, release.id);
      const job = next === null ? undefined : await this.queue.getJob(releaseJobId(next));
      if (job && (await job.isDelayed())) await job.promote();
    } catch {
      // Only an optimisation: the waiting release re-checks on its own within LOCK_RECHECK_MS.
    }
  }

  /** Asks the run to stop (SIGINT, SIGKILL after CANCEL_GRACE_MS). The first reason given wins. */
  stop(releaseId: number, request: StopRequest): boolean {
    const entry = this.inFlight.get(releaseId);
    if (!entry) return false;
    entry.stop ??= request;
    entry.process?.stop(this.config.cancelGraceMs);
    return true;
  }

  stopAll(request: StopRequest): void {
    for (const id of this.inFlight.keys()) this.stop(id, request);
  }

  whenIdle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async execute(release: ReleaseEntity, entry: InFlight): Promise<{ final: FinalOutcome; sink: ReleaseLogSink }> {
    const sink = new ReleaseLogSink(
      release.id,
      {
        store: (firstSeq, lines) => this.store.appendLog(release.id, firstSeq, lines),
        announce: (firstSeq, lines) => this.events.publish(release.id, { type: 'log', firstSeq, lines }),
      },
      this.config.logBufferMaxLines,
    );
    const template = this.catalog.templates[release.template];
    const inventoryPath = this.catalog.inventories[release.inventory];
    if (!template || !inventoryPath) {
      const reason = `template "${release.template}" or inventory "${release.inventory}" is no longer in the catalog`;
      return { final: { status: 'failed', exitCode: null, reason, recap: null, finishedAt: new Date() }, sink };
    }
    const recap = new RecapParser();
    const failed = (reason: string) => ({ final: { status: 'failed' as const, exitCode: null, reason, recap: null, finishedAt: new Date() }, sink });
    // Secret defaults and credentials come from this worker's own environment, read at run time by design.
    let runVars;
    try {
      runVars = resolveRunVars(release, template, this.config.secretKeys, process.env);
    } catch (error) {
      if (!(error instanceof SecretCipherError)) throw error;
      return failed(`secret vars: ${error.message} on worker ${this.config.workerId}`);
    }
    const varsFile = await writeExtraVarsFile(runVars.vars);
    let credentialsDir: string | undefined;
    let timeout: NodeJS.Timeout | undefined;
    try {
      // TODO(process): the run's private directory once it exists; until then one of our own (mkdtemp: 0700).
      credentialsDir = await mkdtemp(path.join(os.tmpdir(), 'slipway-credentials-'));
      let credentials;
      try {
        credentials = await prepareCredentials(
          credentialsDir,
          { ...this.catalog.inventoryCredentials?.[release.inventory], ...template.credentials },
          process.env,
        );
      } catch (error) {
        if (!(error instanceof CredentialError)) throw error;
        return failed(`${error.message} (worker ${this.config.workerId})`);
      }
      // Every line is masked before the sink sees it: the DB, Redis, SSE and downloads only get "********".
      const masker = new SecretMasker([...runVars.secretValues, ...credentials.values]);
      for (const note of runVars.notes) sink.push(note);
      const argv = buildAnsibleArgv({
        inventoryPath,
        playbookPath: template.playbookPath,
        extraVarsFile: varsFile,
        limit: release.limit ?? undefined,
        tags: release.tags ?? undefined,
        skipTags: release.skipTags ?? undefined,
        checkMode: release.checkMode,
      });
      const child = new AnsibleProcess({
        bin: this.config.ansiblePlaybookBin,
        argv: [...credentials.argv, ...argv],
        cwd: this.catalog.projectDir,
        nice: this.config.ansibleNice,
        onLine: (raw) => {
          const line = masker.mask(raw);
          sink.push(line);
          recap.push(line);
          return sink.roomForMore();
        },
      });
      entry.process = child;
      // The pid lets ops (and the cancel tests) check that a stopped release left no ansible process behind.
      this.logger.log({ releaseId: release.id, ansiblePid: child.pid, msg: `release ${release.id}: ansible-playbook pid ${child.pid}` });
      // A stop requested before the process existed (cancel or drain deadline) applies now.
      if (entry.stop) child.stop(this.config.cancelGraceMs);
      timeout = setTimeout(
        () => this.stop(release.id, { kind: 'timeout', reason: `timed out after ${template.timeoutSeconds} s` }),
        template.timeoutSeconds * 1000,
      );
      const exit = await child.exited;
      const decided = decideOutcome(exit, entry.stop, this.config.ansiblePlaybookBin);
      const hosts = recap.result;
      return {
        final: { ...decided, recap: Object.keys(hosts).length > 0 ? hosts : null, finishedAt: new Date() },
        sink,
      };
    } finally {
      clearTimeout(timeout);
      await removeExtraVarsFile(varsFile);
      if (credentialsDir) await rm(credentialsDir, { recursive: true, force: true });
    }
  }

  /**
   * Log first, then the one final status write (conditional, so a retry cannot apply twice). If the DB
   * stays away past the retry budget, the outcome goes to Redis and the reconciler writes it later: the
   * playbook is never run again for it.
   */
  private async recordOutcome(release: ReleaseEntity, outcome: FinalOutcome, sink: ReleaseLogSink): Promise<void> {
    try {
      await sink.drain();
      const applied = await this.store.finish(release.id, this.config.workerId, outcome);
      if (!applied) this.logger.warn({ releaseId: release.id, msg: `release ${release.id} was already final` });
    } catch (error) {
      if (!(error instanceof RetryBudgetExhaustedError)) throw error;
      const unstored = sink.takeUnstored();
      await this.pendingOutcomes.save({ releaseId: release.id, workerId: this.config.workerId, outcome, unstored });
      this.logger.error({ releaseId: release.id, msg: `release ${release.id}: ${error.message}; outcome kept in Redis` });
    }
    this.events.publish(release.id, {
      type: 'status',
      status: outcome.status,
      exitCode: outcome.exitCode,
      reason: outcome.reason,
      recap: outcome.recap,
    });
    this.logger.log({ releaseId: release.id, msg: `release ${release.id} ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}` });
  }
}
