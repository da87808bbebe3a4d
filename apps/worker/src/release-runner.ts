import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  type Catalog,
  CatalogHolder,
  type CatalogTemplate,
  CredentialError,
  RecapParser,
  SecretLineStream,
  SecretMasker,
  buildAnsibleArgv,
  prepareCredentials,
  serializeExtraVars,
} from '@slipway/ansible';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { AuditWriter, RetryBudgetExhaustedError, type ReleaseEntity } from '@slipway/db';
import { RELEASES_QUEUE, type ReleaseJobData, releaseJobId } from '@slipway/queue';
import { type FinalOutcome, FreezeStore, ReleaseEventStore, ReleaseStore, SecretCipherError, frozenStart } from '@slipway/releases';
import path from 'node:path';
import { AnsibleProcess } from './ansible-process.js';
import { EVENTS_FILE, eventCaptureEnvironment, findCallbackPlugins } from './events/event-capture.js';
import { EventFileTail } from './events/event-file-tail.js';
import { ReleaseEventSink } from './events/release-event-sink.js';
import { ReleaseEventMetrics, streamEventsOf } from './events/release-event-metrics.js';
import { AnsibleVersionCache } from './ansible-version.js';
import { CatalogWatch } from './catalog-watch.js';
import { HeartbeatLease } from './heartbeat-lease.js';
import { PendingOutcomes } from './pending-outcomes.js';
import { ReleaseEventsPublisher } from './release-events.publisher.js';
import { ReleaseLogSink } from './release-log-sink.js';
import { type StopRequest, decideOutcome } from './release-outcome.js';
import { prepareRunProject } from './project-checkout.js';
import { type RunDirectory, RunDirectories } from './run-directory.js';
import { RunSpawner } from './run-spawner.js';
import { resolveRunVars } from './run-vars.js';

/** How often a start refused with nothing left in its way is tried again at once. */
const START_ATTEMPTS = 3;

/** What the processor should do with the job after run(). */
export type RunResult =
  | { kind: 'done' }
  | { kind: 'wait-for-lock'; blocker: number }
  | { kind: 'not-due'; runAt: Date };

interface InFlight {
  process: AnsibleProcess | null;
  stop: StopRequest | null;
  /** The lease ran out while it ran: its supervisor is stopping it. */
  fenced: boolean;
}

/** A fenced run's supervisor SIGKILLs it CANCEL_GRACE_MS after the lease ends; the worker follows this much later. */
const FENCE_KILL_MARGIN_MS = 1_000;

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
    private readonly catalogs: CatalogHolder,
    private readonly catalogWatch: CatalogWatch,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
    @InjectQueue(RELEASES_QUEUE) private readonly queue: Queue<ReleaseJobData>,
    private readonly runDirs: RunDirectories,
    private readonly lease: HeartbeatLease,
    private readonly ansibleVersions: AnsibleVersionCache,
    private readonly spawner: RunSpawner,
    private readonly eventStore: ReleaseEventStore,
    private readonly eventMetrics: ReleaseEventMetrics,
    private readonly freezes: FreezeStore,
    private readonly audit: AuditWriter,
  ) {
    // Fencing: the runs' supervisors SIGINT their groups themselves when the lease ends; here the reason
    // is recorded and the SIGKILL after the grace is armed, in case a supervisor does not act.
    this.lease.onExpired((reason) => {
      for (const entry of this.inFlight.values()) {
        entry.stop ??= { kind: 'interrupt', reason };
        entry.fenced = true;
        entry.process?.killAfter(this.config.cancelGraceMs + FENCE_KILL_MARGIN_MS);
      }
    });
  }

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
    // A reload the API applied (whose message may still be on its way, or was lost) is done first.
    await this.catalogWatch.catchUp();
    // A freeze window made after it was queued: it does not start inside it (README "Freeze windows").
    if (await this.cancelIfFrozen(release)) return { kind: 'done' };

    // Registered before the row says "running", so the lost-worker reaper never sees it orphaned.
    const entry: InFlight = { process: null, stop: null, fenced: false };
    this.inFlight.set(releaseId, entry);
    try {
      const waiting = await this.startOrFindBlocker(release);
      if (waiting) return waiting;
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

  /**
   * The launcher's freeze rule once more, just before queued → running: a release queued before a window
   * covering it existed ends cancelled, naming the window and when it ends (audited as a cancel by the
   * window, announced like any cancel, sent as release.cancelled). True when it did.
   */
  private async cancelIfFrozen(release: ReleaseEntity): Promise<boolean> {
    const frozen = frozenStart(await this.freezes.list(), release, new Date());
    if (!frozen) return false;
    const { window, startsAt, endsAt } = frozen.occurrence;
    const by = `freeze window ${window.name}`;
    const entry = this.audit.inTransaction(by, 'release.cancel');
    const details = { reason: frozen.reason, window: { id: window.id, name: window.name, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() } };
    if (!(await this.store.cancelFrozen(release.id, by, frozen.reason, (em) => entry.write(em, { type: 'release', id: release.id }, details)))) {
      return true; // it left queued meanwhile (cancelled, or started elsewhere): nothing more to do here
    }
    this.logger.log({ releaseId: release.id, msg: `release ${release.id} cancelled: ${frozen.reason}` });
    this.events.publish(release.id, { type: 'status', status: 'cancelled', reason: frozen.reason });
    return true;
  }

  /**
   * Starts the release, or says what it waits for. A start refused by a holder that ends before the
   * blocker is read finds no blocker: the release is then tried again (a few times), instead of being left
   * queued without a job until the reconciler re-adds one.
   */
  private async startOrFindBlocker(release: ReleaseEntity): Promise<RunResult | null> {
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      if (await this.store.tryStart(release, this.config.workerId)) return null;
      const blocker = await this.store.findBlocker(release);
      if (blocker !== null) {
        await this.store.setWaitingReason(release.id, `waiting for release ${blocker}`);
        return { kind: 'wait-for-lock', blocker };
      }
      const current = await this.store.findById(release.id);
      if (!current || current.status !== 'queued' || current.cancelRequestedBy !== null) return { kind: 'done' };
    }
    // Still refused with nothing in its way: re-check after LOCK_RECHECK_MS like any waiting release.
    return { kind: 'wait-for-lock', blocker: release.id };
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
    // The catalog in force as it starts: a reload while it runs does not change what it runs.
    const catalog = this.catalogs.current;
    const resolved = catalogEntryFor(catalog, release);
    if ('problem' in resolved) {
      const reason = `${resolved.problem} (worker ${this.config.workerId}, catalog loaded ${this.catalogs.loadedAt.toISOString()}); nothing ran`;
      return { final: { status: 'failed', exitCode: null, reason, recap: null, finishedAt: new Date() }, sink };
    }
    const { template, inventoryPath } = resolved;
    if (!this.lease.valid) {
      // Fenced: starting ansible now would run it beside whoever reaps this worker's releases.
      const reason = `worker ${this.config.workerId} could not renew its heartbeat, so it started nothing (fenced)`;
      return { final: { status: 'interrupted', exitCode: null, reason, recap: null, finishedAt: new Date() }, sink };
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
    const runDir = await this.runDirs.create(release.id);
    let timeout: NodeJS.Timeout | undefined;
    let recording: Promise<void> | undefined;
    let tail: EventFileTail | undefined;
    try {
      await this.lease.flush();
      // Git projects: the release's own commit, checked out in its private directory (fetched if missing).
      const project = await prepareRunProject(catalog, template, release, inventoryPath, runDir, {
        gitCacheDir: this.config.gitCacheDir,
        env: process.env,
      });
      if ('problem' in project) return failed(`${project.problem} (worker ${this.config.workerId})`);
      if (project.note) sink.push(project.note);
      const extraVarsFile = await runDir.writePrivateFile('extra-vars.yml', serializeExtraVars(runVars.vars));
      // Vault password and SSH key: 0600 copies in the run's private directory, removed with it.
      let credentials;
      try {
        credentials = await prepareCredentials(
          runDir.path,
          { ...catalog.inventoryCredentials?.[release.inventory], ...template.credentials },
          process.env,
        );
      } catch (error) {
        if (!(error instanceof CredentialError)) throw error;
        return failed(`${error.message} (worker ${this.config.workerId})`);
      }
      // Every line is masked before the sink sees it: the DB, Redis, SSE and downloads only get "********".
      // A value the yaml result format folds over lines is masked on all of them: the stream holds back a
      // long line that ends with the start of a secret until the next one (flushed once ansible exits).
      const masker = new SecretMasker([...runVars.secretValues, ...credentials.values]);
      const masked = new SecretLineStream(masker, (line) => {
        sink.push(line);
        recap.push(line);
      });
      for (const note of runVars.notes) sink.push(note);
      const argv = buildAnsibleArgv({
        inventoryPath: project.inventoryPath,
        playbookPath: project.playbookPath,
        extraVarsFile,
        limit: release.limit ?? undefined,
        tags: release.tags ?? undefined,
        skipTags: release.skipTags ?? undefined,
        checkMode: release.checkMode,
      });
      const runArgv = [...credentials.argv, ...argv];
      const env = this.ansibleEnvironment(runDir);
      // ansible's own events (issue 21), on a channel of their own: the plugin's file in the run directory.
      const events = this.eventSinkFor(release.id, masker);
      if (events) {
        Object.assign(env, eventCaptureEnvironment(env, events.pluginDir, path.join(runDir.path, EVENTS_FILE), this.config.eventsMaxBytes));
        tail = new EventFileTail(path.join(runDir.path, EVENTS_FILE), (line) => events.sink.push(line));
      }
      const child = await AnsibleProcess.start(this.spawner, {
        bin: this.config.ansiblePlaybookBin,
        argv: runArgv,
        cwd: project.cwd,
        env,
        graceMs: this.config.cancelGraceMs,
        leaseFile: this.lease.file,
        runDir: runDir.path,
        onLine: (raw) => {
          masked.push(raw);
          return sink.roomForMore();
        },
      });
      entry.process = child;
      // Beside the run, never before it: the version may take a Python start-up the first time.
      // Recorded as run, never masked: secrets reach ansible only through the private extra-vars and
      // credential files, so the argv holds what the user typed; masking a tag equal to a secret would
      // confirm a guess of it (issue 20 item 4).
      recording = this.recordRun(release.id, [this.config.ansiblePlaybookBin, ...runArgv], env);
      // The pid lets ops (and the cancel tests) check that a stopped release left no ansible process behind.
      this.logger.log({
        releaseId: release.id,
        // The run's supervisor: leader of its process group (pgid), gone once everything of the run is.
        ansiblePid: child.pid,
        runDir: runDir.path,
        msg: `release ${release.id}: ansible-playbook started in process group ${child.pid}`,
      });
      // A stop requested before the process existed (cancel or drain deadline) applies now.
      if (entry.stop && !entry.fenced) child.stop(this.config.cancelGraceMs);
      if (entry.fenced) child.killAfter(this.config.cancelGraceMs + FENCE_KILL_MARGIN_MS);
      timeout = setTimeout(
        () => this.stop(release.id, { kind: 'timeout', reason: `timed out after ${template.timeoutSeconds} s` }),
        template.timeoutSeconds * 1000,
      );
      const exit = await child.exited;
      masked.flush();
      if (tail && events) {
        await tail.finish();
        await events.sink.drain();
        if (!events.sink.complete) this.eventMetrics.incomplete();
      }
      // The supervisor saw the lease lapse before the worker did (its event loop stalled past the TTL, and
      // a late heartbeat renewed the lease before its own timer fired): the run was fenced all the same.
      if (!entry.stop && runDir.wasFenced()) entry.stop = { kind: 'interrupt', reason: this.lease.fencedReason() };
      const decided = decideOutcome(exit, entry.stop, this.config.ansiblePlaybookBin);
      const hosts = recap.result;
      return {
        final: { ...decided, recap: Object.keys(hosts).length > 0 ? hosts : null, finishedAt: new Date() },
        sink,
      };
    } finally {
      clearTimeout(timeout);
      // Written before the final status, so a finished release always shows what it ran.
      await recording;
      await tail?.finish().catch(() => undefined);
      await runDir.remove();
    }
  }

  /** The release's event sink and the plugin's directory; null (no events, logged) if the plugin is missing. */
  private eventSinkFor(releaseId: number, masker: SecretMasker): { sink: ReleaseEventSink; pluginDir: string } | null {
    const pluginDir = findCallbackPlugins();
    if (!pluginDir) {
      this.logger.error({ releaseId, msg: `release ${releaseId}: apps/worker/callback_plugins is missing from the checkout; no ansible events are captured` });
      return null;
    }
    const sink = new ReleaseEventSink(
      releaseId,
      masker,
      {
        store: (batch) => this.eventStore.append(releaseId, batch),
        announce: (batch) => {
          for (const event of streamEventsOf(batch)) this.events.publish(releaseId, event);
        },
        recordNotKept: async (total) => {
          await this.eventStore.recordNotKept(releaseId, total);
          this.eventMetrics.notKept(total);
        },
      },
      (lags) => this.eventMetrics.stored(lags),
    );
    return { sink, pluginDir };
  }

  /** Stores the masked argv and ansible-core's version; a failure costs the record, never the release. */
  private async recordRun(releaseId: number, argv: string[], env: Record<string, string>): Promise<void> {
    try {
      const ansibleVersion = await this.ansibleVersions.versionOf(this.config.ansiblePlaybookBin, env);
      await this.store.recordRun(releaseId, this.config.workerId, { argv, ansibleVersion });
      // Watchers re-read the row on a status event: the page of a running release shows what it runs.
      this.events.publish(releaseId, { type: 'status', status: 'running' });
    } catch (error) {
      this.logger.warn({ releaseId, msg: `release ${releaseId}: what ran was not recorded (${(error as Error).message})` });
    }
  }

  /**
   * ansible's whole environment: the allow-listed part of the worker's (config.ansibleInheritedEnv), then
   * Slipway's own ANSIBLE_* and the run's private directory for every temporary file.
   */
  private ansibleEnvironment(runDir: RunDirectory): Record<string, string> {
    return {
      ...this.config.ansibleInheritedEnv,
      TMPDIR: runDir.tmpDir,
      ANSIBLE_LOCAL_TEMP: runDir.tmpDir,
      ANSIBLE_RETRY_FILES_ENABLED: '0',
      ANSIBLE_RETRY_FILES_SAVE_PATH: runDir.path,
      // Stream unbuffered, in colour (the dashboard renders it).
      PYTHONUNBUFFERED: '1',
      ANSIBLE_FORCE_COLOR: '1',
    };
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

/**
 * The template and inventory a release runs with in this catalog, or why a release validated against an
 * earlier catalog cannot run with this one: its template was removed, or its inventory removed or no longer
 * allowed for the template (the catalog is the boundary). Its vars, limit and tags stay as validated when
 * it was created.
 */
export function catalogEntryFor(
  catalog: Catalog,
  release: Pick<ReleaseEntity, 'template' | 'inventory'>,
): { template: CatalogTemplate; inventoryPath: string } | { problem: string } {
  const template = catalog.templates[release.template];
  if (!template) return { problem: `template "${release.template}" is not in the catalog any more (removed by a catalog reload?)` };
  const inventoryPath = catalog.inventories[release.inventory];
  if (!inventoryPath || !template.inventories.includes(release.inventory)) {
    return { problem: `inventory "${release.inventory}" is no longer allowed for template "${release.template}" in the catalog (allowed: ${template.inventories.join(', ')})` };
  }
  return { template, inventoryPath };
}
