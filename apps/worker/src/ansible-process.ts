import { setPriority } from 'node:os';
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
  /** Niceness for the process; 0 leaves it at the worker's. */
  nice: number;
  /** May return a promise to pause reading (backpressure) until it settles. */
  onLine: (line: string) => Promise<void> | null | void;
}

function spawnAnsible(options: AnsibleProcessOptions) {
  return execa(options.bin, options.argv, {
    cwd: options.cwd,
    all: true,
    buffer: false,
    reject: false,
    stdin: 'ignore',
    detached: false,
    // Keep the environment, and make ansible stream unbuffered, in colour, without retry files.
    env: { PYTHONUNBUFFERED: '1', ANSIBLE_FORCE_COLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: '0' },
  });
}

/**
 * One ansible-playbook run. argv only, no shell. The child stays in the worker's process group (not
 * detached) so supervisord's killasgroup can reap it if the worker is SIGKILLed; the worker itself
 * never forwards its own SIGTERM: stopping is always SIGINT (ansible cleans up and exits 99), then
 * SIGKILL after a grace period.
 */
export class AnsibleProcess {
  private readonly child: ReturnType<typeof spawnAnsible>;
  private killTimer: NodeJS.Timeout | null = null;
  readonly exited: Promise<ProcessExit>;

  constructor(options: AnsibleProcessOptions) {
    this.child = spawnAnsible(options);
    this.lowerPriority(options.nice);
    this.exited = this.pump(options.onLine);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Set straight after spawn: by then the child has exec'd but python is still starting (tens of ms),
   * so ansible forks its task processes, which inherit the niceness, only afterwards.
   */
  private lowerPriority(nice: number): void {
    if (nice === 0 || this.child.pid === undefined) return;
    try {
      setPriority(this.child.pid, nice);
    } catch {
      // Already gone (it failed to start or exited at once): nothing left to deprioritise.
    }
  }

  /** SIGINT now, SIGKILL after graceMs if it is still alive. Idempotent. */
  stop(graceMs: number): void {
    if (this.killTimer) return;
    this.child.kill('SIGINT');
    this.killTimer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    this.killTimer.unref();
  }

  private async pump(onLine: AnsibleProcessOptions['onLine']): Promise<ProcessExit> {
    try {
      for await (const line of this.child.iterable({ from: 'all' })) {
        const pause = onLine(line);
        if (pause) await pause;
      }
    } catch {
      // The iterable rejects when the process fails to spawn; the result below says why.
    }
    const result = await this.child;
    if (this.killTimer) clearTimeout(this.killTimer);
    const spawnError =
      result.failed && result.exitCode === undefined && !result.signal ? (result.cause as Error | undefined)?.message ?? result.shortMessage : null;
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      spawnError: spawnError ?? null,
    };
  }
}
