import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import type { Distribution } from './stats.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const RESULTS_DIR = join(REPO_ROOT, 'bench/results');

/** One printed figure: a measured value (or median/p99 of a distribution) next to its target. */
export interface Figure {
  figure: string;
  unit: string;
  /** Single-valued figures. */
  value?: number;
  /** Distributions: median and p99 (the issue's targets are stated on these). */
  median?: number;
  p99?: number;
  target: string;
  /** Whether the target is met; null when the figure has no target (context only). */
  met: boolean | null;
  note?: string;
}

export interface BenchResult {
  bench: string;
  title: string;
  startedAt: string;
  durationMs: number;
  machine: MachineInfo;
  commit: string;
  settings: Record<string, unknown>;
  figures: Figure[];
  /** Full distributions by name, for the chart. */
  distributions?: Record<string, Distribution>;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  mariadb?: string;
  redis?: string;
  /** 1-minute load average when the bench started: other work on the machine skews every figure. */
  loadAverage1m: number;
}

export function machineInfo(extra: Partial<Omit<MachineInfo, 'loadAverage1m'>> = {}): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
    ...extra,
  };
}

/** The fields every bench result shares: when it ran, how long, on what, at which commit. */
export async function runInfo(
  startedAt: Date,
  machineAtStart: MachineInfo,
  stack: { versions(): Promise<Partial<MachineInfo>> },
): Promise<Pick<BenchResult, 'startedAt' | 'durationMs' | 'machine' | 'commit'>> {
  return {
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    machine: { ...machineAtStart, ...(await stack.versions()) },
    commit: gitCommit(),
  };
}

export function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${sha}+uncommitted` : sha;
  } catch {
    return 'unknown';
  }
}

const fmt = (value: number | undefined, unit: string) =>
  value === undefined || Number.isNaN(value) ? '–' : `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`.trim();

/** The figures as a fixed-width table, the way `npm run bench` prints them. */
export function formatTable(result: BenchResult): string {
  const rows = result.figures.map((f) => [
    f.figure,
    f.value !== undefined ? fmt(f.value, f.unit) : f.median !== undefined ? `p50 ${fmt(f.median, f.unit)} / p99 ${fmt(f.p99, f.unit)}` : (f.note ?? '–'),
    f.target,
    f.met === null ? '' : f.met ? 'met' : 'MISSED',
  ]);
  const header = ['figure', 'measured', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const notes = result.figures.filter((f) => f.note && (f.value !== undefined || f.median !== undefined)).map((f) => `  * ${f.figure}: ${f.note}`);
  return [
    `== ${result.title} (${(result.durationMs / 1000).toFixed(1)} s; ${Object.entries(result.settings).map(([k, v]) => `${k}=${String(v)}`).join(', ')})`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...notes,
  ].join('\n');
}

/** Prints the table and writes bench/results/<bench>.json (or into `dir`). */
export function publish(result: BenchResult, dir = RESULTS_DIR): string {
  const table = formatTable(result);
  process.stdout.write(`\n${table}\n`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${result.bench}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return table;
}
