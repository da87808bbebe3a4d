import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlipwayConfig } from '@slipway/config';
import { afterEach, describe, expect, it } from 'vitest';
import { RunDirectories } from './run-directory.js';

const roots: string[] = [];
function directories(workerId = 'w-test'): RunDirectories {
  const base = mkdtempSync(join(tmpdir(), 'slipway-rundir-spec-'));
  roots.push(base);
  return new RunDirectories({ runDir: join(base, 'runs'), workerId } as SlipwayConfig);
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSafe(`/proc/${pid}/stat`).includes(') Z ');
  } catch {
    return false;
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

describe('RunDirectories', () => {
  it('makes a 0700 root and a 0700 directory per run with a 0700 tmp and 0600 private files; remove() takes it all', async () => {
    const dirs = directories();
    const run = await dirs.create(7);
    expect(statSync(dirs.root).mode & 0o777).toBe(0o700);
    expect(statSync(run.path).mode & 0o777).toBe(0o700);
    expect(statSync(run.tmpDir).mode & 0o777).toBe(0o700);
    const file = await run.writePrivateFile('vault-pass', 'secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await expect(run.writePrivateFile('../escape', 'x')).rejects.toThrow(/bad run file name/);
    await run.remove();
    expect(existsSync(run.path)).toBe(false);
  });

  it('refuses a root that others can enter, saying how to fix it', async () => {
    const dirs = directories();
    await dirs.create(1);
    chmodSync(dirs.root, 0o755);
    const fresh = new RunDirectories({ runDir: dirs.root, workerId: 'w2' } as SlipwayConfig);
    await expect(fresh.ensureRoot()).rejects.toThrow(/must be a directory owned by uid \d+ with mode 0700/);
  });

  it('sweeps a dead worker\'s directory (killing what still runs in it) and leaves a live worker\'s alone', async () => {
    const dirs = directories();
    const mine = await dirs.create(1);
    // A run left by a worker process that is gone: its owner names a pid that does not run.
    const dead = await dirs.create(2);
    writeFileSync(join(dead.path, 'owner.json'), JSON.stringify({ workerId: 'gone', pid: 999_999_999, pidStart: '1', releaseId: 2 }));
    const orphan = spawn('sleep', ['60'], { env: { PATH: process.env.PATH ?? '', TMPDIR: dead.tmpDir }, stdio: 'ignore', detached: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(orphan.pid!)).toBe(true);

    const swept = await new RunDirectories({ runDir: dirs.root, workerId: 'w-next' } as SlipwayConfig).sweepLeftovers();

    expect(swept).toEqual([{ releaseId: 2, workerId: 'gone', killed: 1 }]);
    if (orphan.exitCode === null && orphan.signalCode === null) await new Promise((resolve) => orphan.once('exit', resolve));
    expect(orphan.signalCode).toBe('SIGKILL');
    expect(readdirSync(dirs.root)).toEqual([mine.path.split('/').pop()]);
  });
});
