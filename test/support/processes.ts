import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT, freePort } from './test-env.js';
import { waitFor } from './wait-for.js';

/** A Slipway process started by a test: its output is kept for assertions and failure messages. */
export class ServiceProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** JSON log lines (pino) printed so far. */
  jsonLines(): Record<string, unknown>[] {
    return this.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }
}

/** The worker's V8 flags, as in its production start command (supervisord/supervisord.conf). */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=2', '--single-threaded', '--optimize-for-size'];

function startNode(
  name: string,
  entry: string,
  env: Record<string, string>,
  args: string[] = [],
  nodeFlags: string[] = [],
): ServiceProcess {
  const child = spawn(process.execPath, [...nodeFlags, resolve(REPO_ROOT, entry), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ServiceProcess(name, child);
}

export interface RunningApi extends ServiceProcess {
  url: string;
}

/** Starts the built API on a free port and waits until /health/ready answers 200. */
export async function startApi(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningApi> {
  // A given PORT lets a test restart the API where its clients expect it (e.g. the CLI reconnecting).
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const api = startNode('api', 'dist/apps/api/main.js', { ...env, PORT: String(port) }) as RunningApi;
  api.url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the API to be ready',
    async () => {
      if (!api.running) throw new Error(`API exited:\n${api.output}`);
      const response = await fetch(`${api.url}/health/ready`);
      return response.status === 200;
    },
    { timeoutMs },
  ).catch((error: unknown) => {
    api.signal('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- API output ---\n${api.output}`);
  });
  return api;
}

/** Starts the built worker and waits until it says it is ready. */
export async function startWorker(env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
  const worker = startNode('worker', 'dist/apps/worker/main.js', env, [], WORKER_NODE_FLAGS);
  await waitFor(
    'the worker to be ready',
    () => {
      if (!worker.running) throw new Error(`worker exited:\n${worker.output}`);
      return worker.output.includes(' ready (concurrency');
    },
    { timeoutMs },
  ).catch((error: unknown) => {
    worker.signal('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- worker output ---\n${worker.output}`);
  });
  return worker;
}

/** Runs a built entry point to completion (e.g. the migrate command), returning its output. */
export function runNode(entry: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; output: string }> {
  const process = startNode(entry, entry, env, args);
  return process.exited.then(({ code }) => ({ code, output: process.output }));
}

export interface LiveProcess {
  pid: number;
  ppid: number;
  nice: number;
  command: string;
}

/** Every live process, read from /proc (one that exits meanwhile is skipped). */
export function liveProcesses(): LiveProcess[] {
  const found: LiveProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid … nice …": comm may hold spaces, so count fields after its closing paren.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      found.push({ pid: Number(entry), ppid: Number(fields[1]), nice: Number(fields[16]), command });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * The nice value of the scheduler autogroup (session) `pid` belongs to, or undefined where the kernel has no
 * autogroups: between sessions the kernel weighs by this, not by the processes' own niceness.
 */
export function autogroupNice(pid: number): number | undefined {
  try {
    const match = /nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Every live process below `rootPid` (children, grandchildren, …). */
export function descendantsOf(rootPid: number): LiveProcess[] {
  const children = new Map<number, LiveProcess[]>();
  for (const p of liveProcesses()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const found: LiveProcess[] = [];
  const visit = (pid: number): void => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      visit(child.pid);
    }
  };
  visit(rootPid);
  return found;
}

/**
 * Live processes of the runs below a worker's SLIPWAY_RUN_DIR: each run's processes carry TMPDIR=<its
 * private dir>, whoever their parent is now (an orphan is re-parented to init) and whatever group they
 * joined; `alsoEnv` also counts processes carrying that variable (ansible inheriting the worker's whole
 * environment, as before allow-listing).
 */
export function runProcesses(runDir: string, alsoEnv?: { name: string; value: string }): (LiveProcess & { tmpdir: string | null })[] {
  const found: (LiveProcess & { tmpdir: string | null })[] = [];
  for (const p of liveProcesses()) {
    if (p.pid === process.pid) continue;
    let environ: string[];
    try {
      environ = readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0');
    } catch {
      continue; // gone, or not ours to read
    }
    const tmpdir = environ.find((v) => v.startsWith(`TMPDIR=${runDir}/`))?.slice('TMPDIR='.length) ?? null;
    const inherited = alsoEnv !== undefined && environ.includes(`${alsoEnv.name}=${alsoEnv.value}`);
    if (tmpdir !== null || inherited) found.push({ ...p, tmpdir });
  }
  return found;
}

/** The environment of a live process, as name → value. */
export function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}
