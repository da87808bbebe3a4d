import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient } from '../support/api-client.js';
import type { PrivateMariaDb, PrivateRedis } from '../support/private-servers.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';
import { type ChaosOp, type ScheduledOp, WORKERS, describeOp } from './ops.js';
import { AnsibleTrees } from './process-table.js';
import { type Outage, type RunningSample, type WorkerLife, isFinal } from './records.js';

export const FIXTURE_DIR = resolve(REPO_ROOT, 'test/fixtures/chaos');

/**
 * Short timeouts so that a lost worker is detected well inside a run (see libs/config). Heartbeat a
 * quarter of the TTL; a drain deadline shorter than the longest releases, so SIGTERM sometimes reaches it.
 */
export const CHAOS_WORKER_ENV = {
  WORKER_CONCURRENCY: '2',
  WORKER_TTL_MS: '3000',
  WORKER_HEARTBEAT_MS: '750',
  CANCEL_GRACE_MS: '2000',
  // At the worker's priority: on a shared machine niced playbooks starve for tens of seconds, and the run
  // is about ordering and liveness, not priority.
  ANSIBLE_NICE: '0',
  DRAIN_TIMEOUT_MS: '6000',
  DB_RETRY_BUDGET_MS: '30000',
  DB_CONNECT_TIMEOUT_MS: '2000',
  // Housekeeping reaps and re-queues every second, and a queued release without a job is re-queued after
  // 3 s rather than 30 s, so the run settles in seconds after its last op.
  HOUSEKEEPING_INTERVAL_MS: '1000',
  LOST_JOB_GRACE_MS: '3000',
};

const HOUSEKEEPING_INTERVAL_MS = Number(CHAOS_WORKER_ENV.HOUSEKEEPING_INTERVAL_MS);
/** The longest a queued release may lack its job before a housekeeping tick queues it again. */
export const LOST_JOB_BOUND_MS = Number(CHAOS_WORKER_ENV.LOST_JOB_GRACE_MS) + HOUSEKEEPING_INTERVAL_MS;
/**
 * How long a release may stay `running` after its owner died: its registry key expires (TTL), it must be
 * missing a whole TTL more, a housekeeping tick must come, and its processes get CANCEL_GRACE_MS to die,
 * plus 5 s for a loaded machine.
 */
export const OWNERLESS_BOUND_MS =
  2 * Number(CHAOS_WORKER_ENV.WORKER_TTL_MS) + HOUSEKEEPING_INTERVAL_MS + Number(CHAOS_WORKER_ENV.CANCEL_GRACE_MS) + 5_000;

const SAMPLE_INTERVAL_MS = 1_000;
const CREATE_ATTEMPTS = 6;
/**
 * A create is skipped while this many releases are queued or running: a slow (shared) machine is not
 * buried under a backlog it cannot drain before the checks, and the disruptions still meet live runs.
 */
const MAX_BACKLOG = 8;

/** What a request that got no HTTP answer at all (connection refused or reset) is recorded as. */
function noAnswer(error: Error): { status: number; body: { id?: number }; text: string } {
  return { status: 0, body: {}, text: error.message };
}

export interface TimelineEntry {
  at: number;
  what: string;
}

/** A process of the run's ansible trees seen by the sampler, with the release statuses read just before. */
export interface RawSighting {
  at: number;
  pid: number;
  startMs: number;
  command: string;
  /** Which ansible run it belongs to (process-table.ts commandKey), and whether it is that run's main. */
  run: string | null;
  isMain: boolean;
  /** For a main: the process the worker spawned (itself, or a wrapper such as a per-run supervisor). */
  spawned: { pid: number; startMs: number } | null;
  statuses: Map<number, string> | null;
  atEnd: boolean;
}

/** What the harness asked for, in op order: `nthLatest` ops count back through this list. */
interface Created {
  token: string;
  id: number | null;
}

/**
 * One chaos run: a private database (on the suite's private mariadbd) and queue prefix (on its private
 * redis-server), the API, two workers that the harness restarts itself, and a copy of the guarded
 * fixture. The harness, not supervisord, restarts workers: it knows each incarnation's pid and exit time
 * to the millisecond (the "no live owner" clock starts there), keeps each one's whole log (the ansible
 * pids), and restarts at the seeded delay without supervisord's back-off turning a quick kill sequence
 * into a FATAL program. supervisord's own behaviour is covered by test/e2e/shutdown-*.
 */
export class ChaosRun {
  readonly timeline: TimelineEntry[] = [];
  readonly lives: WorkerLife[] = [];
  readonly outages: Outage[] = [];
  readonly samples: RunningSample[] = [];
  readonly sightings: RawSighting[] = [];
  readonly incarnations: ServiceProcess[] = [];
  readonly created: Created[] = [];
  readonly trees: AnsibleTrees;
  private readonly slots: (ServiceProcess | null)[] = Array.from({ length: WORKERS }, () => null);
  private readonly restartDelayMs: number[] = Array.from({ length: WORKERS }, () => 500);
  private readonly pending = new Set<Promise<unknown>>();
  private readonly restarting = new Set<'redis' | 'db'>();
  private sampler: Promise<void> | null = null;
  private lastStatuses: Map<number, string> | null = null;
  private stopping = false;
  client!: ApiClient;
  private api: RunningApi | null = null;

  private constructor(
    readonly seed: number,
    readonly env: TestEnv,
    readonly projectDir: string,
    readonly db: PrivateMariaDb,
    readonly redis: PrivateRedis,
  ) {
    const workerPids = () => new Set(this.slots.map((w) => w?.pid ?? -1));
    this.trees = new AnsibleTrees(projectDir, (pid) => workerPids().has(pid));
  }

  static async start(seed: number, db: PrivateMariaDb, redis: PrivateRedis): Promise<ChaosRun> {
    const env = await createTestEnv(`chaos${seed}`, { mariadbUrl: db.url(), redisUrl: redis.url });
    const projectDir = mkdtempSync(join(tmpdir(), `slipway-chaos-${seed}-`));
    cpSync(FIXTURE_DIR, projectDir, { recursive: true });
    Object.assign(env.env, CHAOS_WORKER_ENV, { SLIPWAY_CATALOG: join(projectDir, 'catalog.yml') });
    const run = new ChaosRun(seed, env, projectDir, db, redis);
    try {
      run.api = await startApi(env.env);
      run.client = new ApiClient(run.api.url, env.bootstrapToken);
      await Promise.all(Array.from({ length: WORKERS }, (_, slot) => run.keepWorker(slot)));
    } catch (error) {
      await run.close();
      throw error;
    }
    run.sampler = run.sample();
    return run;
  }

  note(what: string): void {
    this.timeline.push({ at: Date.now(), what });
  }

  /** Starts worker `slot`, and again each time it exits, until the run closes. Resolves once it is ready. */
  private async keepWorker(slot: number): Promise<void> {
    for (;;) {
      let worker: ServiceProcess;
      try {
        worker = await startWorker(this.env.env);
      } catch (error) {
        this.note(`worker ${slot} did not start: ${(error as Error).message.split('\n')[0]}`);
        if (this.stopping) return;
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      const life: WorkerLife = { workerId: `${hostname()}:${worker.pid}`, pid: worker.pid, readyAt: Date.now(), exitedAt: null, exit: null };
      this.lives.push(life);
      this.incarnations.push(worker);
      this.slots[slot] = worker;
      this.note(`worker ${slot} ready: pid ${worker.pid}`);
      void worker.exited.then(({ code, signal }) => {
        life.exitedAt = Date.now();
        life.exit = signal ? `was killed (${signal})` : `exited with code ${code}`;
        this.note(`worker ${slot} (pid ${worker.pid}) ${life.exit}`);
        if (this.slots[slot] === worker) this.slots[slot] = null;
        if (this.stopping) return;
        const delay = this.restartDelayMs[slot];
        this.restartDelayMs[slot] = 500; // an unexpected exit is restarted like supervisord would
        this.track(new Promise((r) => setTimeout(r, delay)).then(() => (this.stopping ? undefined : this.keepWorker(slot))));
      });
      return;
    }
  }

  private track<T>(work: Promise<T>): void {
    const tracked = work.catch((error: unknown) => this.note(`harness error: ${(error as Error).message}`));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Applies the schedule in real time (the gaps are the test's input, so they are plain waits). */
  async runOps(schedule: ScheduledOp[]): Promise<void> {
    const t0 = Date.now();
    for (const scheduled of schedule) {
      const wait = t0 + scheduled.atMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.note(`op ${describeOp(scheduled)}`);
      this.track(this.apply(scheduled.op));
    }
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private target(nthLatest: number): Created | undefined {
    return this.created[this.created.length - 1 - nthLatest];
  }

  private async apply(op: ChaosOp): Promise<void> {
    switch (op.kind) {
      case 'create':
        return this.create(op);
      case 'cancel':
      case 'rerun': {
        const target = this.target(op.nthLatest);
        if (!target?.id) return this.note(`${op.kind}: no release at position ${op.nthLatest}`);
        const answer = await this.client.request<{ id?: number }>('POST', `/api/v1/releases/${target.id}/${op.kind}`).catch(noAnswer);
        this.note(`${op.kind} release ${target.id} → ${answer.status}${answer.body.id && op.kind === 'rerun' ? ` (release ${answer.body.id})` : ''}`);
        if (op.kind === 'rerun') this.created.push({ token: target.token, id: answer.status === 201 ? answer.body.id ?? null : null });
        return;
      }
      case 'worker-term':
      case 'worker-kill': {
        const worker = this.slots[op.worker];
        if (!worker?.running) return this.note(`${op.kind}: worker ${op.worker} is not running`);
        if (op.kind === 'worker-kill') this.restartDelayMs[op.worker] = op.restartAfterMs;
        else this.restartDelayMs[op.worker] = 0;
        worker.signal(op.kind === 'worker-kill' ? 'SIGKILL' : 'SIGTERM');
        return this.note(`${op.kind === 'worker-kill' ? 'SIGKILL' : 'SIGTERM'} worker ${op.worker} (pid ${worker.pid})`);
      }
      case 'ansible-kill': {
        const mains = this.trees.mains();
        if (mains.length === 0) return this.note('ansible-kill: no ansible-playbook running');
        const victim = mains[op.pick % mains.length];
        try {
          process.kill(victim.pid, 'SIGKILL');
          this.note(`SIGKILL ansible-playbook pid ${victim.pid} (of ${mains.map((m) => m.pid).join(', ')})`);
        } catch (error) {
          this.note(`ansible-kill: pid ${victim.pid} already gone (${(error as Error).message})`);
        }
        return;
      }
      case 'redis-restart':
      case 'db-restart': {
        const server = op.kind === 'redis-restart' ? 'redis' : 'db';
        if (this.restarting.has(server)) return this.note(`${op.kind}: already restarting`);
        this.restarting.add(server);
        const outage: Outage = { server, from: Date.now(), to: null };
        this.outages.push(outage);
        try {
          await (server === 'redis' ? this.redis : this.db).restart(op.downMs);
          outage.to = Date.now();
          this.note(`${server} back after ${outage.to - outage.from} ms`);
        } finally {
          this.restarting.delete(server);
        }
        return;
      }
    }
  }

  /** A create as a CI client would do it: an Idempotency-Key, retried while the answer is 5xx or none. */
  private async create(op: Extract<ChaosOp, { kind: 'create' }>): Promise<void> {
    const entry: Created = { token: op.token, id: null };
    this.created.push(entry);
    const unfinished = [...(this.lastStatuses?.values() ?? [])].filter((status) => !isFinal(status)).length;
    if (unfinished >= MAX_BACKLOG) return this.note(`create ${op.token} skipped: ${unfinished} releases unfinished`);
    const body = {
      template: 'guarded',
      inventory: `lane${op.lane}`,
      extraVars: { token: op.token, lines: op.lines, hold_ms: op.holdMs },
      ...(op.runAtInMs === null ? {} : { runAt: new Date(Date.now() + op.runAtInMs).toISOString() }),
    };
    const answers: string[] = [];
    for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
      const answer = await this.client
        .request<{ id?: number }>('POST', '/api/v1/releases', body, { 'Idempotency-Key': op.token })
        .catch(noAnswer);
      answers.push(String(answer.status));
      if (answer.status === 200 || answer.status === 201) {
        entry.id = answer.body.id ?? null;
        return this.note(`create ${op.token} → release ${entry.id} (answers ${answers.join(', ')})`);
      }
      if (answer.status >= 400 && answer.status < 500) break;
      if (this.stopping) break;
      await new Promise((r) => setTimeout(r, 1_000 * attempt));
    }
    this.note(`create ${op.token} gave up (answers ${answers.join(', ')})`);
  }

  /**
   * Every SAMPLE_INTERVAL_MS: the release statuses (DB), then the run's ansible trees (/proc), in that
   * order, so a process seen alive after its release was read as final really outlived it.
   */
  private async sample(): Promise<void> {
    while (!this.stopping) {
      await this.sampleOnce(false);
      await new Promise((r) => setTimeout(r, SAMPLE_INTERVAL_MS));
    }
  }

  async sampleOnce(atEnd: boolean): Promise<void> {
    const at = Date.now();
    let statuses: Map<number, string> | null = null;
    try {
      const rows = await queryDb<{ id: number; status: string; worker_id: string | null }>(this.env.databaseUrl, 'SELECT id, status, worker_id FROM releases');
      statuses = new Map(rows.map((r) => [Number(r.id), r.status]));
      this.lastStatuses = statuses;
      for (const r of rows) if (r.status === 'running') this.samples.push({ at, releaseId: Number(r.id), workerId: r.worker_id });
    } catch {
      // DB away: nothing to compare the processes with this time
    }
    for (const p of this.trees.scan()) {
      this.sightings.push({ at: Date.now(), pid: p.pid, startMs: p.startMs, command: p.command, run: p.run, isMain: p.isMain, spawned: p.spawned, statuses, atEnd });
    }
  }

  /**
   * Lets the system come to rest: servers up, both workers running, then until no release is queued or
   * running, for as long as releases keep starting, finishing or logging (a slow machine gets its time;
   * a stuck lock does not hold the run up for more than `quietMs`), and no ansible process is left. What is still not at rest
   * is what the checks report. Ends with one last look at the process table.
   */
  async settle(quietMs: number, capMs: number): Promise<void> {
    for (const server of [this.redis, this.db]) if (!server.running) await server.start().catch((e: Error) => this.note(`restart failed: ${e.message}`));
    await waitFor('both workers to run', () => this.slots.every((w) => w?.running), { timeoutMs: 60_000 }).catch((e: Error) => this.note(e.message));
    const cap = Date.now() + capMs;
    // Progress: a release started or finished, or a log line stored (a long release is still moving).
    let progress = '';
    let progressAt = Date.now();
    for (;;) {
      const rows = await queryDb<{ status: string; log_lines: number }>(this.env.databaseUrl, 'SELECT status, log_lines FROM releases').catch(() => null);
      const unfinished = rows?.filter((r) => !isFinal(r.status)).length;
      if (unfinished === 0) break;
      const now = rows ? `${rows.filter((r) => r.status !== 'queued').length}/${unfinished}/${rows.reduce((sum, r) => sum + Number(r.log_lines), 0)}` : progress;
      if (now !== progress) [progress, progressAt] = [now, Date.now()];
      if (Date.now() - progressAt > quietMs || Date.now() > cap) {
        this.note(`settle: ${unfinished ?? '?'} releases still unfinished after ${Date.now() - progressAt} ms without progress (cap ${capMs} ms)`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    await waitFor('no ansible process to be left', () => this.trees.scan().length === 0, { timeoutMs: 5_000 }).catch((e: Error) => this.note(`settle: ${e.message}`));
    this.note('settled');
    await this.sampleOnce(true);
  }

  /** Stops everything this run started: its workers, what is left of its ansible trees (by pid), the API. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.sampler;
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await Promise.all(this.slots.flatMap((w) => (w ? [w.stop()] : [])));
    for (const p of this.trees.scan()) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await this.api?.stop();
    await this.env.cleanup();
    rmSync(this.projectDir, { recursive: true, force: true });
  }
}
