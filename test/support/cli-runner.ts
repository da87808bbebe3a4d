import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO_ROOT } from './test-env.js';

const CLI = resolve(REPO_ROOT, 'bin/slipway.mjs');

export interface CliRun {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Runs the CLI the way a CI job does: no TTY, only PATH and what `env` sets (SLIPWAY_URL, SLIPWAY_TOKEN). */
export function startCli(args: string[], env: Record<string, string>): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = { child, stdout: '', stderr: '' } as CliRun;
  child.stdout?.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  run.done = new Promise((resolveDone) => child.on('close', (code) => resolveDone({ code, stdout: run.stdout, stderr: run.stderr })));
  return run;
}
