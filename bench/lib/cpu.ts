import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU ticks of a process: its own (utime, stime), and with `reaped` those of every descendant it and they
 * waited for (cutime, cstime), i.e. of a whole process tree whose members have ended.
 */
function processTicks(pid: number, reaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name "(…)": utime, stime, cutime, cstime are the 12th to 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return reaped ? own + Number(fields[13]) + Number(fields[14]) : own;
  } catch {
    return Number.NaN;
  }
}

/** Pids of the live children of `parent` (from /proc). */
export function childrenOf(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.split(/\s+/).slice(1).map(Number) ?? [];
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

export function pidsOf(name: string): number[] {
  try {
    return execFileSync('pidof', [name], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU seconds used by named processes and process trees (and the whole machine) between start() and stop():
 * tells where the time of a run went (API, workers, the runs, MariaDB, Redis, the bench itself, and the rest:
 * anything else running).
 */
export class CpuAccount {
  private readonly before = new Map<string, number>();
  private machineBefore = machineTicks();
  private startedAt = 0;

  /**
   * @param processes named groups of pids, their own CPU
   * @param trees named groups of pids counted with every descendant they reaped (a worker's run spawner: the
   *   spawner, the runs' supervisors and the playbook processes), which must live until stop()
   */
  constructor(
    private readonly processes: Record<string, number[]>,
    private readonly trees: Record<string, number[]> = {},
  ) {}

  private ticks(name: string): number {
    const tree = this.trees[name];
    if (tree) return tree.reduce((s, p) => s + processTicks(p, true), 0);
    return (this.processes[name] ?? []).reduce((s, p) => s + processTicks(p), 0);
  }

  private get names(): string[] {
    return [...Object.keys(this.processes), ...Object.keys(this.trees)];
  }

  start(): this {
    for (const name of this.names) this.before.set(name, this.ticks(name));
    this.machineBefore = machineTicks();
    this.startedAt = Date.now();
    return this;
  }

  stop(): { wallSeconds: number; cpuSeconds: Record<string, number> } {
    const cpuSeconds: Record<string, number> = {};
    let named = 0;
    for (const name of this.names) {
      const used = (this.ticks(name) - (this.before.get(name) ?? 0)) / TICKS_PER_SECOND;
      cpuSeconds[name] = Math.round(used * 100) / 100;
      named += used;
    }
    const machine = (machineTicks().busy - this.machineBefore.busy) / TICKS_PER_SECOND;
    cpuSeconds['machine total'] = Math.round(machine * 100) / 100;
    cpuSeconds['other (anything else on the machine)'] = Math.round((machine - named) * 100) / 100;
    return { wallSeconds: (Date.now() - this.startedAt) / 1000, cpuSeconds };
  }
}
