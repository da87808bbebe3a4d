import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { liveProcesses } from './processes.js';
import { REPO_ROOT } from './test-env.js';
import { waitFor } from './wait-for.js';

export const SHIPPED_CONFIG = resolve(REPO_ROOT, 'supervisord/supervisord.conf');
export const WORKER_GROUP = 'slipway-worker';
export const workerName = (n: number) => `${WORKER_GROUP}:${WORKER_GROUP}_${String(n).padStart(2, '0')}`;

export interface SupervisordOptions {
  /** Exported to supervisord; every program inherits it (that is how the shipped file passes settings). */
  env: Record<string, string>;
  /** Settings replaced in the shipped file, per section: { 'program:slipway-worker': { stopwaitsecs: '5' } }. */
  settings?: Record<string, Record<string, string>>;
  /** Sections left out, e.g. 'program:slipway-api' when the suite runs its API through the test harness. */
  without?: string[];
}

/**
 * The shipped supervisord.conf with only what a test must change: the runtime files (socket, pidfile, logs)
 * go to a temp dir, the programs still run the checkout's built bundles, and the named settings are
 * replaced. Everything else (stopsignal, stopasgroup, killasgroup, command…) is the file ops install.
 */
export function configVariant(runDir: string, options: Pick<SupervisordOptions, 'settings' | 'without'>): string {
  let text = readFileSync(SHIPPED_CONFIG, 'utf8')
    .replaceAll('%(here)s/run', runDir)
    .replaceAll('%(here)s', resolve(REPO_ROOT, 'supervisord'));
  const sections = text.split(/^(?=\[)/m);
  text = sections
    .filter((section) => !(options.without ?? []).some((name) => section.startsWith(`[${name}]`)))
    .map((section) => {
      const name = /^\[([^\]]+)\]/.exec(section)?.[1];
      const replacements = name ? options.settings?.[name] : undefined;
      if (!replacements) return section;
      for (const [key, value] of Object.entries(replacements)) {
        const line = new RegExp(`^${key}=.*$`, 'm');
        if (!line.test(section)) throw new Error(`[${name}] has no ${key}= line to replace`);
        section = section.replace(line, `${key}=${value}`);
      }
      return section;
    })
    .join('');
  return text;
}

/** A private supervisord (own socket, pidfile and logs in a temp dir) running the shipped config. */
export class Supervisord {
  private constructor(
    readonly runDir: string,
    readonly configPath: string,
    readonly child: ChildProcess,
    private readonly env: Record<string, string>,
  ) {}

  static async start(options: SupervisordOptions): Promise<Supervisord> {
    const runDir = mkdtempSync(join(tmpdir(), 'slipway-supervisord-'));
    const configPath = join(runDir, 'supervisord.conf');
    writeFileSync(configPath, configVariant(runDir, options));
    const env = { ...process.env, ...options.env } as Record<string, string>;
    const child = spawn('supervisord', ['-c', configPath], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const supervisor = new Supervisord(runDir, configPath, child, env);
    await waitFor(
      'supervisord to answer',
      async () => {
        if (child.exitCode !== null) throw new Error(`supervisord exited ${child.exitCode}: ${stderr}`);
        return (await supervisor.ctl('pid')).code === 0;
      },
      { timeoutMs: 20_000 },
    ).catch((error: unknown) => {
      child.kill('SIGKILL');
      supervisor.removeFiles();
      throw error;
    });
    return supervisor;
  }

  /** Runs supervisorctl against this supervisord; never throws on a non-zero exit. */
  ctl(...args: string[]): Promise<{ code: number; output: string }> {
    return new Promise((resolveRun) => {
      execFile('supervisorctl', ['-c', this.configPath, ...args], { env: this.env }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolveRun({ code, output: `${stdout}${stderr}` });
      });
    });
  }

  async pid(name: string): Promise<number> {
    const { output } = await this.ctl('pid', name);
    const pid = Number(output.trim());
    return Number.isInteger(pid) ? pid : 0;
  }

  /** The program's log file (stdout and stderr), as written so far. */
  log(processName: string): string {
    try {
      return readFileSync(join(this.runDir, `${processName}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** The lines worker process `n` printed while it had `pid` (its log file spans restarts). */
  workerLog(n: number, pid: number): string {
    return this.log(`${WORKER_GROUP}_${String(n).padStart(2, '0')}`)
      .split('\n')
      .filter((line) => line.includes(`"pid":${pid},`))
      .join('\n');
  }

  /** Every program log (the last `tailChars` of each), for failure messages. */
  allLogs(tailChars = 6_000): string {
    return readdirSync(this.runDir)
      .filter((file) => file.endsWith('.log'))
      .map((file) => `--- ${file} ---\n${readFileSync(join(this.runDir, file), 'utf8').slice(-tailChars)}`)
      .join('\n');
  }

  /** Waits until the worker process `n` runs with a pid other than `notPid` and has said it is ready. */
  async waitWorkerReady(n: number, notPid = 0, timeoutMs = 60_000): Promise<number> {
    const processName = `${WORKER_GROUP}_${String(n).padStart(2, '0')}`;
    return waitFor(
      `${processName} to be ready`,
      async () => {
        const pid = await this.pid(workerName(n));
        if (!pid || pid === notPid) return undefined;
        const ready = this.log(processName).includes(`:${pid} ready (concurrency`);
        return ready ? pid : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** Stops every program the way supervisord does (TERM, stopwaitsecs) and then supervisord itself. */
  async shutdown(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolveExit) => this.child.once('exit', resolveExit));
    await this.ctl('shutdown');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }

  removeFiles(): void {
    rmSync(this.runDir, { recursive: true, force: true });
  }
}

/**
 * Processes still carrying `name=value` in their environment (read from /proc): the way a test finds the
 * ansible-playbook processes its own workers started, whoever their parent is now (an orphan of a
 * SIGKILLed worker is re-parented to init), without counting other suites' processes.
 */
export function processesWithEnv(name: string, value: string): { pid: number; command: string }[] {
  const needle = `\0${name}=${value}\0`;
  const hasVariable = (pid: number): boolean => {
    try {
      return `\0${readFileSync(`/proc/${pid}/environ`, 'utf8')}\0`.includes(needle);
    } catch {
      return false; // gone meanwhile, or not ours to read
    }
  };
  return liveProcesses()
    .filter((p) => p.pid !== process.pid && hasVariable(p.pid))
    .map(({ pid, command }) => ({ pid, command }));
}

/** The pid part of a worker id (`<host>:<pid>`, the default). */
export function pidOfWorkerId(workerId: string | null): number {
  return Number(workerId?.split(':').pop());
}
