import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { execa } from 'execa';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';

/** What the run's supervisor is told to do (bin/slipway-spawner.py, "run request"). */
export interface RunRequest {
  /** ansible-playbook and its arguments (argv only, no shell). */
  argv: string[];
  /** The whole environment of the run (allow-listed; nothing of the worker's is added). */
  env: Record<string, string>;
  cwd: string;
  /** The worker's Unix socket the run's stdout and stderr are connected to. */
  output: string;
  /** The worker's heartbeat lease file (see HeartbeatLease). */
  lease: string;
  /** The run's private directory (the supervisor leaves its `fenced` marker there). */
  runDir: string;
  /** SIGINT → SIGKILL grace of a fenced run. */
  graceMs: number;
}

/** How the run's supervisor ended: with ansible's status, or of ansible's signal. */
export interface RunExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when the spawner went away with the run in flight (the run was killed with it). */
  lost: string | null;
}

export interface SpawnedRun {
  /** The run's supervisor: leader of the run's process group (pgid). */
  pid: number;
  exited: Promise<RunExit>;
}

/** No spawner could be started or it refused the run: the release fails with this message. */
export class RunSpawnerError extends Error {}

const SPAWNER_PATH = ['apps', 'worker', 'bin', 'slipway-spawner.py'];
/** A python3 start-up; more only on a machine too busy to start anything. */
const READY_TIMEOUT_MS = 30_000;

/** bin/slipway-spawner.py, found from the entry point (dist/apps/worker/main.js) or the working directory. */
export function findRunSpawner(): string | null {
  const starts = [process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : null, process.cwd()];
  for (const start of starts) {
    for (let dir = start; dir; dir = path.dirname(dir) === dir ? null : path.dirname(dir)) {
      const candidate = path.join(dir, ...SPAWNER_PATH);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A line the spawner wrote: its start, a run started or refused, a run's end. */
interface SpawnerAnswer {
  ready?: number;
  run?: number | null;
  pid?: number;
  error?: string;
  exitCode?: number | null;
  signal?: string | null;
}

/** One spawner process and the runs it has in flight. */
class SpawnerProcess {
  private readonly child;
  private readonly starts = new Map<number, Deferred<number>>();
  private readonly exits = new Map<number, Deferred<RunExit>>();
  private nextRun = 1;
  private gone: string | null = null;
  readonly ready = deferred<void>();

  constructor(script: string, nice: number, private readonly logger: Logger) {
    this.child = execa(script, [String(process.pid), String(nice)], {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'inherit',
      buffer: false,
      reject: false,
      // A session of its own: supervisord's signals to the worker's group never reach it, nor the runs, and
      // the runs' scheduler autogroup is its (niced once, for all of them).
      detached: true,
      cleanup: false,
      // Nothing of the worker's (DATABASE_URL, secrets): each run is given its whole environment.
      env: {},
      extendEnv: false,
    });
    this.ready.promise.catch(() => undefined); // whoever waits for it sees the rejection; nobody else must
    void this.child.then((result) => this.onExit(`exit code ${result.exitCode ?? '?'}${result.signal ? `, ${result.signal}` : ''}`));
    this.child.stdin.on('error', () => undefined); // the exit handler says what happened
    const lines = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => this.onAnswer(line));
  }

  get alive(): boolean {
    return this.gone === null;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  spawn(request: RunRequest): Promise<SpawnedRun> {
    if (this.gone) return Promise.reject(new RunSpawnerError(`the run spawner is gone (${this.gone})`));
    const run = this.nextRun++;
    const started = deferred<number>();
    const exited = deferred<RunExit>();
    this.starts.set(run, started);
    this.exits.set(run, exited);
    this.child.stdin.write(`${JSON.stringify({ run, ...request })}\n`);
    return started.promise.then(
      (pid) => ({ pid, exited: exited.promise }),
      (error: Error) => {
        this.exits.delete(run);
        throw error;
      },
    );
  }

  /** A spawner that never became ready. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** No more runs: the spawner exits once the ones in flight are over. */
  close(): void {
    this.child.stdin.end();
  }

  private onAnswer(line: string): void {
    let answer: SpawnerAnswer;
    try {
      answer = JSON.parse(line) as SpawnerAnswer;
    } catch {
      this.logger.warn(`run spawner: unreadable answer ${JSON.stringify(line.slice(0, 200))}`);
      return;
    }
    if (typeof answer.ready === 'number') return this.ready.resolve();
    if (typeof answer.run !== 'number') {
      this.logger.error(`run spawner: ${answer.error ?? 'answer without a run'}`);
      return;
    }
    if (typeof answer.pid === 'number') {
      this.starts.get(answer.run)?.resolve(answer.pid);
      this.starts.delete(answer.run);
    } else if (answer.error !== undefined) {
      this.starts.get(answer.run)?.reject(new RunSpawnerError(`the run spawner refused the run: ${answer.error}`));
      this.starts.delete(answer.run);
    } else if ('exitCode' in answer) {
      this.exits.get(answer.run)?.resolve({ exitCode: answer.exitCode ?? null, signal: answer.signal ?? null, lost: null });
      this.exits.delete(answer.run);
    }
  }

  private onExit(how: string): void {
    this.gone = how;
    const error = new RunSpawnerError(`the run spawner exited (${how})`);
    this.ready.reject(error);
    for (const start of this.starts.values()) start.reject(error);
    // Its runs died with it (their parent-death signal): nothing of them is left to wait for.
    for (const exit of this.exits.values()) exit.resolve({ exitCode: null, signal: 'SIGKILL', lost: `the run spawner exited (${how})` });
    this.starts.clear();
    this.exits.clear();
  }
}

/**
 * Starts every run of this worker through one small long-lived process (bin/slipway-spawner.py), so the
 * large worker is never forked per release. The spawner is started with the worker and again, at the next
 * release, if it ever went away.
 */
@Injectable()
export class RunSpawner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RunSpawner');
  private readonly script = findRunSpawner();
  private current: SpawnerProcess | null = null;

  constructor(@Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureRunning();
  }

  /** The spawner's pid while one runs (logs, tests). */
  get pid(): number | undefined {
    return this.current?.alive ? this.current.pid : undefined;
  }

  async spawn(request: RunRequest): Promise<SpawnedRun> {
    const spawner = await this.ensureRunning();
    return spawner.spawn(request);
  }

  private async ensureRunning(): Promise<SpawnerProcess> {
    if (this.current?.alive) {
      await this.current.ready.promise;
      return this.current;
    }
    if (!this.script) throw new RunSpawnerError('apps/worker/bin/slipway-spawner.py (the run spawner) is missing from the checkout');
    if (this.current) this.logger.warn('the run spawner went away: starting a new one');
    const spawner = new SpawnerProcess(this.script, this.config.ansibleNice, this.logger);
    this.current = spawner;
    const timer = setTimeout(() => {
      spawner.ready.reject(new RunSpawnerError(`the run spawner did not start within ${READY_TIMEOUT_MS / 1000} s`));
      spawner.kill();
    }, READY_TIMEOUT_MS);
    try {
      await spawner.ready.promise;
    } finally {
      clearTimeout(timer);
    }
    this.logger.log({ spawnerPid: spawner.pid, msg: `run spawner ready (pid ${spawner.pid})` });
    return spawner;
  }

  onApplicationShutdown(): void {
    this.current?.close();
  }
}
