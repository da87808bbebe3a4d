import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

export interface ProcessExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when the executable could not be started at all (e.g. not installed). */
  spawnError: string | null;
}

export interface AnsibleProcessOptions {
  bin: string;
  argv: string[];
  cwd: string;
  /** The whole environment of the run (allow-listed; nothing of the worker's is added). */
  env: Record<string, string>;
  /** Niceness for ansible and everything it forks; 0 leaves it at the worker's. */
  nice: number;
  /** SIGINT → SIGKILL grace, also used by the run's supervisor when it fences. */
  graceMs: number;
  /** The worker's heartbeat lease (see HeartbeatLease). */
  leaseFile: string;
  /** The run's private directory (the supervisor leaves its `fenced` marker there). */
  runDir: string;
  /** May return a promise to pause reading (backpressure) until it settles. */
  onLine: (line: string) => Promise<void> | null | void;
}

/** After the run's supervisor exits, how long its output may still drain before the pipe is cut. */
const PIPE_DRAIN_MS = 2_000;
/** After asking the supervisor to kill the run (SIGTERM), how long before the worker SIGKILLs the group itself. */
const SUPERVISOR_KILL_BACKSTOP_MS = 2_000;

const SUPERVISOR_PATH = ['apps', 'worker', 'bin', 'slipway-run.py'];

/** bin/slipway-run.py, found from the entry point (dist/apps/worker/main.js) or the working directory. */
export function findRunSupervisor(): string | null {
  const starts = [process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : null, process.cwd()];
  for (const start of starts) {
    for (let dir = start; dir; dir = path.dirname(dir) === dir ? null : path.dirname(dir)) {
      const candidate = path.join(dir, ...SUPERVISOR_PATH);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

function spawnSupervised(supervisor: string, options: AnsibleProcessOptions) {
  return execa(
    supervisor,
    [String(process.pid), options.leaseFile, options.runDir, String(options.graceMs), String(options.nice), '--', options.bin, ...options.argv],
    {
      cwd: options.cwd,
      all: true,
      buffer: false,
      reject: false,
      stdin: 'ignore',
      // Its own session and process group (the supervisor leads it): stopping signals the whole group,
      // and a signal meant for the worker (supervisord's TERM to the worker's group) never reaches ansible.
      detached: true,
      cleanup: false,
      env: options.env,
      extendEnv: false,
    },
  );
}

/**
 * One ansible-playbook run, as its own process group under bin/slipway-run.py (argv only, no shell).
 * - stop(): SIGINT to the group (ansible cleans up and exits 99, as on Ctrl-C), then after the grace the
 *   supervisor is told (SIGTERM) to SIGKILL everything of the run; the worker SIGKILLs the group itself
 *   if the supervisor does not go.
 * - The run ends when ansible's main process exits: the supervisor kills what it left (a forked child
 *   holding the output pipe) and exits with ansible's status; if the supervisor itself is killed, the
 *   worker kills the rest of the group and stops reading the pipe after PIPE_DRAIN_MS.
 * - If the worker dies, the supervisor gets its death signal and kills the run (see the script).
 */
export class AnsibleProcess {
  private readonly child: ReturnType<typeof spawnSupervised>;
  private killTimer: NodeJS.Timeout | null = null;
  private backstopTimer: NodeJS.Timeout | null = null;
  private supervisorExited = false;
  readonly exited: Promise<ProcessExit>;

  constructor(supervisor: string, options: AnsibleProcessOptions) {
    this.child = spawnSupervised(supervisor, options);
    this.child.once('exit', () => {
      this.supervisorExited = true;
      // Whatever is left of the group (the supervisor was SIGKILLed): nothing of the run outlives it.
      this.signalGroup('SIGKILL');
    });
    this.exited = this.pump(options.onLine);
  }

  /** The supervisor's pid, which is also the run's process group id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGINT to the group now, everything SIGKILLed after graceMs if still alive. Idempotent. */
  stop(graceMs: number): void {
    if (this.killTimer) return;
    this.signalGroup('SIGINT');
    this.killTimer = setTimeout(() => this.killNow(), graceMs);
    this.killTimer.unref();
  }

  /** killNow() in `ms`, unless the run is over or stopping already has its own SIGKILL timer. */
  killAfter(ms: number): void {
    if (this.killTimer) return;
    this.killTimer = setTimeout(() => this.killNow(), ms);
    this.killTimer.unref();
  }

  /**
   * Kill the whole run at once (fencing backstop, grace over): the supervisor SIGKILLs every process of the
   * run, including ones that left the group; the group is SIGKILLed here if the supervisor does not exit.
   */
  killNow(): void {
    if (this.backstopTimer || this.supervisorExited) return;
    if (this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    this.backstopTimer = setTimeout(() => this.signalGroup('SIGKILL'), SUPERVISOR_KILL_BACKSTOP_MS);
    this.backstopTimer.unref();
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // no process left in the group
    }
  }

  private async readLines(onLine: AnsibleProcessOptions['onLine']): Promise<void> {
    try {
      for await (const line of this.child.iterable({ from: 'all' })) {
        const pause = onLine(line);
        if (pause) await pause;
      }
    } catch {
      // The iterable rejects when the process fails to spawn or its pipe is cut; the result says why.
    }
  }

  private async pump(onLine: AnsibleProcessOptions['onLine']): Promise<ProcessExit> {
    const reading = this.readLines(onLine);
    const exit = new Promise<void>((resolve) => {
      if (this.supervisorExited) resolve();
      this.child.once('exit', () => resolve());
      this.child.once('error', () => resolve());
    });
    await Promise.race([reading, exit]);
    // The supervisor is gone: the output drains on, but a process that escaped every kill may not hold
    // the pipe open and keep the release running.
    const drained = await Promise.race([
      reading.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), PIPE_DRAIN_MS).unref()),
    ]);
    if (!drained) {
      this.child.stdout?.destroy();
      this.child.stderr?.destroy();
      this.child.all?.destroy();
    }
    const result = await this.child;
    if (this.killTimer) clearTimeout(this.killTimer);
    if (this.backstopTimer) clearTimeout(this.backstopTimer);
    const spawnError =
      result.failed && result.exitCode === undefined && !result.signal ? (result.cause as Error | undefined)?.message ?? result.shortMessage : null;
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      spawnError: spawnError ?? null,
    };
  }
}
