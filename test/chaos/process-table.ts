import { readFileSync } from 'node:fs';
import { type LiveProcess, liveProcesses } from '../support/processes.js';

/**
 * The processes of one chaos run's ansible trees, read from /proc: every process whose command line
 * names the run's private project dir (ansible-playbook and its forks carry the playbook path, the guard
 * its script path).
 */

/** Linux clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on every mainstream arch). */
const CLOCK_TICKS_PER_SECOND = 100;
const BOOTED_AT_MS = Date.now() - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1_000;

/** When a process started (epoch ms, ~10 ms precision), or null if it is gone. */
export function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 22 of stat ("starttime"), the 20th after "(comm)".
    return BOOTED_AT_MS + (Number(fields[19]) * 1_000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * An ansible-playbook command line as the guard records it (guard.sh): it names one run, since Slipway
 * passes each run its own extra-vars file, and the run's forks share it with their main process.
 */
export function commandKey(command: string): string {
  return command.trim().replace(/[\\"]/g, '_');
}

/** ansible-playbook itself (the program in its first two argv words), not a wrapper naming it later. */
export function isAnsiblePlaybook(command: string): boolean {
  return command
    .split(' ')
    .slice(0, 2)
    .some((word) => word === 'ansible-playbook' || word.endsWith('/ansible-playbook'));
}

export interface TreeProcess extends LiveProcess {
  startMs: number;
  /** commandKey of the top-most ansible-playbook process at or above it: which run it belongs to. */
  run: string | null;
  /** An ansible-playbook main process: started for a worker by its spawner's fork, the run's supervisor. */
  isMain: boolean;
  /** For a main: its run's supervisor, whose pid the worker logs (ansiblePid). */
  spawned: { pid: number; startMs: number } | null;
}

export class AnsibleTrees {
  /** pid@start → run, so a process seen in its tree keeps its run once orphaned (re-parented to init). */
  private readonly runOf = new Map<string, string>();

  constructor(
    private readonly projectDir: string,
    /** Whether a pid is one of the run's live workers. */
    private readonly isWorker: (pid: number) => boolean,
  ) {}

  scan(): TreeProcess[] {
    const all = liveProcesses();
    const byPid = new Map(all.map((p) => [p.pid, p]));
    const isAnsible = (p: LiveProcess) => p.command.includes(this.projectDir) && isAnsiblePlaybook(p.command);
    const found: TreeProcess[] = [];
    // A worker reading its catalog runs ansible-inventory (through a small node reader) at start-up: not a run.
    const catalogRead = (q: LiveProcess) => q.command.includes('ansible-inventory');
    for (const p of all.filter((q) => q.command.includes(this.projectDir) && !catalogRead(q))) {
      const startMs = processStartMs(p.pid);
      if (startMs === null) continue;
      let top: LiveProcess | undefined;
      for (let cursor: LiveProcess | undefined = p; cursor && cursor.pid > 1; cursor = byPid.get(cursor.ppid)) {
        if (isAnsible(cursor)) top = cursor;
      }
      // A run: worker → its spawner (bin/slipway-spawner.py) → the run's supervisor (a fork of it) → ansible.
      const spawner = byPid.get(byPid.get(p.ppid)?.ppid ?? 0);
      const isMain = top === p && this.isWorker(spawner?.ppid ?? 0);
      const spawnedPid = p.ppid;
      const spawnedStart = isMain ? processStartMs(spawnedPid) : null;
      const identity = `${p.pid}@${Math.round(startMs)}`;
      if (top && !this.runOf.has(identity)) this.runOf.set(identity, commandKey(top.command));
      const spawned = spawnedStart === null ? null : { pid: spawnedPid, startMs: spawnedStart };
      found.push({ ...p, startMs, run: this.runOf.get(identity) ?? null, isMain, spawned });
    }
    return found;
  }

  /** The live ansible-playbook main processes, by pid. */
  mains(): TreeProcess[] {
    return this.scan()
      .filter((p) => p.isMain)
      .sort((a, b) => a.pid - b.pid);
  }
}
