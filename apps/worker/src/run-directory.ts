import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';

const OWNER_FILE = 'owner.json';
/** How long the start-up sweep waits for SIGKILLed leftovers to be gone before it gives up on a dir. */
const SWEEP_KILL_WAIT_MS = 5_000;

/** Who made a run directory: enough to tell, after a crash, whether its worker is still alive. */
interface RunOwner {
  workerId: string;
  pid: number;
  /** The worker process's start time (/proc/<pid>/stat field 22), so a reused pid is not mistaken for it. */
  pidStart: string;
  releaseId: number;
}

/**
 * One run's private 0700 directory. Everything of the run that is not the project lives here and goes
 * with it: the extra-vars file, TMPDIR and ANSIBLE_LOCAL_TEMP, retry files, the `fenced` marker, and
 * credentials (vault password, SSH key: write them with `writePrivateFile`).
 */
export class RunDirectory {
  constructor(readonly path: string) {}

  /** TMPDIR and ANSIBLE_LOCAL_TEMP of the run. */
  get tmpDir(): string {
    return path.join(this.path, 'tmp');
  }

  /** Whether the run's supervisor stopped it because the heartbeat lease ran out (bin/slipway-spawner.py). */
  wasFenced(): boolean {
    return existsSync(path.join(this.path, 'fenced'));
  }

  /** A 0600 file only this run can read; its path (for argv or ansible settings). */
  async writePrivateFile(name: string, content: string): Promise<string> {
    if (name.includes('/') || name.startsWith('.') || name === OWNER_FILE) throw new Error(`bad run file name ${JSON.stringify(name)}`);
    const file = path.join(this.path, name);
    await writeFile(file, content, { mode: 0o600, flag: 'wx' });
    return file;
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

/** A run directory left behind by a worker that is gone, after its processes were killed. */
export interface SweptRun {
  releaseId: number;
  workerId: string;
  killed: number;
}

/** A process's start time (/proc/<pid>/stat field 22): with its pid, names one process for good. */
export function procStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Pids of live processes whose TMPDIR lies in `dir`: the processes of that run, wherever they moved. */
function processesOfRun(dir: string): number[] {
  const marker = `TMPDIR=${path.join(dir, 'tmp')}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** The worker's run directories under SLIPWAY_RUN_DIR (one per run; workers of one host share the root). */
@Injectable()
export class RunDirectories {
  private readonly logger = new Logger('RunDirectories');
  private readonly pidStart = procStartTime(process.pid) ?? 'unknown';
  private rootChecked = false;

  constructor(@Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig) {}

  get root(): string {
    return this.config.runDir;
  }

  /**
   * The root must be ours alone: a directory (not a symlink) owned by this user, no access for others.
   * Throws an Error with one line saying what is wrong.
   */
  async ensureRoot(): Promise<void> {
    if (this.rootChecked) return;
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const stat = await lstat(this.root);
    const uid = process.getuid?.() ?? stat.uid;
    if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) {
      throw new Error(`SLIPWAY_RUN_DIR ${this.root} must be a directory owned by uid ${uid} with mode 0700 (chmod 700 it, or point SLIPWAY_RUN_DIR elsewhere)`);
    }
    this.rootChecked = true;
  }

  async create(releaseId: number): Promise<RunDirectory> {
    await this.ensureRoot();
    const dir = new RunDirectory(await mkdtemp(path.join(this.root, `release-${releaseId}-`)));
    const owner: RunOwner = { workerId: this.config.workerId, pid: process.pid, pidStart: this.pidStart, releaseId };
    await writeFile(path.join(dir.path, OWNER_FILE), JSON.stringify(owner), { mode: 0o600 });
    await mkdir(dir.tmpDir, { mode: 0o700 });
    return dir;
  }

  /**
   * Start-up: run directories whose worker process is gone (crashed, SIGKILLed) are cleared: any process
   * still running in them is SIGKILLed, then the directory is removed. Directories of live workers on the
   * same host are left alone. Returns the runs cleared, so their releases can be marked interrupted.
   */
  async sweepLeftovers(): Promise<SweptRun[]> {
    await this.ensureRoot();
    const swept: SweptRun[] = [];
    for (const name of await readdir(this.root)) {
      const lease = /^lease-(\d+)-(\w+)(\.\w+)?$/.exec(name);
      if (lease) {
        // A worker process's heartbeat lease (HeartbeatLease): stale once that process is gone.
        if (procStartTime(Number(lease[1])) !== lease[2]) await rm(path.join(this.root, name), { force: true });
        continue;
      }
      const dir = path.join(this.root, name);
      let owner: RunOwner | null = null;
      try {
        owner = JSON.parse(await readFile(path.join(dir, OWNER_FILE), 'utf8')) as RunOwner;
      } catch {
        // No owner file: a dir torn between mkdtemp and its first write, or not ours; judged by its processes.
      }
      if (owner && owner.pid === process.pid && owner.pidStart === this.pidStart) continue;
      if (owner && procStartTime(owner.pid) === owner.pidStart) continue; // its worker is alive
      const killed = await this.killRun(dir);
      if (processesOfRun(dir).length > 0) {
        this.logger.error(`run directory ${dir}: processes survived SIGKILL; left in place`);
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      this.logger.warn(`removed run directory ${name} left by ${owner ? `worker ${owner.workerId}` : 'an unknown worker'}${killed ? ` (killed ${killed} leftover process(es))` : ''}`);
      if (owner && Number.isInteger(owner.releaseId)) swept.push({ releaseId: owner.releaseId, workerId: owner.workerId, killed });
    }
    return swept;
  }

  private async killRun(dir: string): Promise<number> {
    let killed = 0;
    const deadline = Date.now() + SWEEP_KILL_WAIT_MS;
    for (;;) {
      const pids = processesOfRun(dir);
      if (pids.length === 0 || Date.now() > deadline) return killed;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
          killed++;
        } catch {
          // gone meanwhile
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
