import { readFileSync } from 'node:fs';
import { type LiveProcess, liveProcesses } from '../support/processes.js';

/**
 * The processes of one chaos run's ansible trees, read from /proc: every process whose command line
 * names the run's private project dir (ansible-playbook and its forks carry the playbook path, the guard
 * its script path). A process is known by pid and start time, since pids are reused.
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

export interface TreeProcess extends LiveProcess {
  startMs: number;
  /** The ansible-playbook main process it belongs to (itself for a main), or null for an orphan. */
  mainPid: number | null;
  mainStartMs: number | null;
  isAnsible: boolean;
}

export class AnsibleTrees {
  /** Process identity → its main's identity, remembered so an orphan (re-parented to init) stays attributed. */
  private readonly mainOf = new Map<string, { pid: number; startMs: number }>();

  constructor(
    private readonly projectDir: string,
    /** Whether a pid is one of the run's workers (a main's parent, or grandparent through a wrapper). */
    private readonly isWorker: (pid: number) => boolean,
  ) {}

  /** Every live process of this run's trees, each with its main process. */
  scan(): TreeProcess[] {
    const all = liveProcesses();
    const byPid = new Map(all.map((p) => [p.pid, p]));
    const ours = all.filter((p) => p.command.includes(this.projectDir));
    const isAnsible = (p: LiveProcess | undefined) => !!p && p.command.includes(this.projectDir) && p.command.includes('ansible-playbook');
    const found: TreeProcess[] = [];
    for (const p of ours) {
      const startMs = processStartMs(p.pid);
      if (startMs === null) continue;
      const identity = `${p.pid}@${Math.round(startMs)}`;
      // Walk up to the top-most ansible-playbook process above (or at) p: its main, while it lives.
      let main: LiveProcess | undefined;
      for (let cursor: LiveProcess | undefined = p; cursor && cursor.pid > 1; cursor = byPid.get(cursor.ppid)) {
        if (isAnsible(cursor)) main = cursor;
      }
      // A main is started by a worker; a top-most ansible process whose parent is init (or a subreaper)
      // is an orphaned fork of a killed main.
      const startedByWorker = !!main && (this.isWorker(main.ppid) || this.isWorker(byPid.get(main.ppid)?.ppid ?? 0));
      if (main && startedByWorker && !this.mainOf.has(identity)) {
        const mainStartMs = processStartMs(main.pid);
        if (mainStartMs !== null) this.mainOf.set(identity, { pid: main.pid, startMs: mainStartMs });
      }
      const known = this.mainOf.get(identity);
      found.push({ ...p, startMs, isAnsible: isAnsible(p), mainPid: known?.pid ?? null, mainStartMs: known?.startMs ?? null });
    }
    return found;
  }

  /** The live ansible-playbook main processes, by pid. */
  mains(): TreeProcess[] {
    return this.scan()
      .filter((p) => p.isAnsible && p.mainPid === p.pid)
      .sort((a, b) => a.pid - b.pid);
  }
}
