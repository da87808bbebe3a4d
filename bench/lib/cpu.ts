import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name "(…)": utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
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
 * CPU seconds used by named processes (and the whole machine) between start() and stop(): tells where the
 * time of a run went (API, workers, MariaDB, Redis, the rest = playbook processes, the bench itself and
 * anything else running).
 */
export class CpuAccount {
  private readonly before = new Map<string, number>();
  private machineBefore = machineTicks();
  private startedAt = 0;

  constructor(private readonly processes: Record<string, number[]>) {}

  start(): this {
    for (const [name, pids] of Object.entries(this.processes)) this.before.set(name, pids.reduce((s, p) => s + processTicks(p), 0));
    this.machineBefore = machineTicks();
    this.startedAt = Date.now();
    return this;
  }

  stop(): { wallSeconds: number; cpuSeconds: Record<string, number> } {
    const cpuSeconds: Record<string, number> = {};
    let named = 0;
    for (const [name, pids] of Object.entries(this.processes)) {
      const used = (pids.reduce((s, p) => s + processTicks(p), 0) - (this.before.get(name) ?? 0)) / TICKS_PER_SECOND;
      cpuSeconds[name] = Math.round(used * 100) / 100;
      named += used;
    }
    const machine = (machineTicks().busy - this.machineBefore.busy) / TICKS_PER_SECOND;
    cpuSeconds['machine total'] = Math.round(machine * 100) / 100;
    cpuSeconds['other (playbook processes, bench client, anything else)'] = Math.round((machine - named) * 100) / 100;
    return { wallSeconds: (Date.now() - this.startedAt) / 1000, cpuSeconds };
  }
}
