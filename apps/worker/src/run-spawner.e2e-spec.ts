import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SlipwayConfig } from '@slipway/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import { AnsibleProcess } from './ansible-process.js';
import { RunSpawner } from './run-spawner.js';

// The real bin/slipway-spawner.py, driven the way the release runner drives it, with sh for ansible.
const base = mkdtempSync(path.join(tmpdir(), 'slipway-spawner-spec-'));
const lease = path.join(base, 'lease');
let spawner: RunSpawner;
let runs = 0;

function procStat(pid: number): { ppid: number; pgrp: number; session: number } | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return { ppid: Number(fields[1]), pgrp: Number(fields[2]), session: Number(fields[3]) };
  } catch {
    return null;
  }
}

const alive = (pid: number) => procStat(pid) !== null && !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');

async function run(script: string, env: Record<string, string> = { PATH: '/usr/bin:/bin' }) {
  const runDir = mkdtempSync(path.join(base, `run-${++runs}-`));
  const lines: string[] = [];
  const child = await AnsibleProcess.start(spawner, {
    bin: '/bin/sh',
    argv: ['-c', script],
    cwd: runDir,
    env,
    graceMs: 1_000,
    leaseFile: lease,
    runDir,
    onLine: (line) => void lines.push(line),
  });
  return { child, lines, runDir };
}

beforeAll(async () => {
  // A lease good for an hour (CLOCK_MONOTONIC ns, as HeartbeatLease writes it).
  writeFileSync(lease, `${process.hrtime.bigint() + 3_600_000_000_000n}\n`);
  spawner = new RunSpawner({ ansibleNice: 0 } as SlipwayConfig);
  await spawner.onApplicationBootstrap();
});

afterAll(() => {
  spawner.onApplicationShutdown();
  rmSync(base, { recursive: true, force: true });
});

describe('RunSpawner + AnsibleProcess (the real bin/slipway-spawner.py)', () => {
  it('runs the command with exactly the given environment and directory, its output as lines, in a process group and session apart from the worker', async () => {
    const { child, lines, runDir } = await run('echo "cwd=$(pwd)"; env | sort; read -r _ _ _ _ group _ < /proc/$$/stat; echo "group=$group"; printf "no newline"', {
      PATH: '/usr/bin:/bin',
      ONLY_THIS: 'yes',
    });
    const exit = await child.exited;
    expect(exit).toEqual({ exitCode: 0, signal: null, spawnError: null, lost: null });
    expect(lines).toContain(`cwd=${runDir}`);
    expect(lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')[0])).toEqual(['ONLY_THIS', 'PATH', 'PWD']);
    expect(lines).toContain(`group=${child.pid}`);
    expect(lines.at(-1)).toBe('no newline');
    const spawnerStat = procStat(spawner.pid as number);
    expect(spawnerStat?.ppid).toBe(process.pid);
    expect(spawnerStat?.session).not.toBe(procStat(process.pid)?.session);
    // The spawner holds nothing of the worker's environment (DATABASE_URL, secrets).
    expect(readFileSync(`/proc/${spawner.pid}/environ`, 'utf8')).toBe('');
  });

  it("reports ansible's exit code, the signal that killed it, and an exec failure (127, reason in the log)", async () => {
    expect((await (await run('exit 3')).child.exited).exitCode).toBe(3);
    expect((await (await run('kill -TERM $$')).child.exited).signal).toBe('SIGTERM');
    const missing = await AnsibleProcess.start(spawner, {
      bin: '/nonexistent/ansible-playbook',
      argv: [],
      cwd: base,
      env: { PATH: '/usr/bin:/bin' },
      graceMs: 1_000,
      leaseFile: lease,
      runDir: mkdtempSync(path.join(base, 'missing-')),
      onLine: () => undefined,
    });
    expect((await missing.exited).exitCode).toBe(127);
  });

  it('stop() reaches the whole group, a forked background child included; nothing of the run is left', async () => {
    const { child, lines } = await run('sleep 300 & echo "bg=$!"; wait');
    const background = Number(
      (await waitFor('the background pid', () => lines.find((l) => l.startsWith('bg='))?.slice(3), { timeoutMs: 10_000 })),
    );
    child.stop(1_000);
    const exit = await child.exited;
    expect(exit.signal ?? exit.exitCode).toBeTruthy();
    await waitFor('the background sleep gone', () => (alive(background) ? undefined : true), { timeoutMs: 5_000 });
  });

  it('ends the run when its main process exits: a child it left behind (holding the output) is killed, and the output ends', async () => {
    const { child, lines } = await run('setsid sleep 300 & echo "bg=$!"; exit 0');
    const exit = await child.exited;
    expect(exit.exitCode).toBe(0);
    const background = Number(lines.find((l) => l.startsWith('bg='))?.slice(3));
    expect(background).toBeGreaterThan(0);
    expect(lines.some((l) => /killing the 1 process\(es\) it left behind/.test(l))).toBe(true);
    await waitFor('the left-behind sleep gone', () => (alive(background) ? undefined : true), { timeoutMs: 5_000 });
  });

  it('kill -9 of the spawner: its runs die with it, are reported lost, and the next run gets a new spawner', async () => {
    const { child, lines } = await run('sleep 300 & echo "bg=$!"; wait');
    const background = Number(
      (await waitFor('the background pid', () => lines.find((l) => l.startsWith('bg='))?.slice(3), { timeoutMs: 10_000 })),
    );
    const old = spawner.pid as number;
    process.kill(old, 'SIGKILL');
    const exit = await child.exited;
    expect(exit.lost).toMatch(/the run spawner exited/);
    await waitFor('the run supervisor gone', () => (alive(child.pid as number) ? undefined : true), { timeoutMs: 5_000 });
    await waitFor('the background sleep gone', () => (alive(background) ? undefined : true), { timeoutMs: 5_000 });
    const next = await run('echo again');
    expect((await next.child.exited).exitCode).toBe(0);
    expect(next.lines).toEqual(['again']);
    expect(spawner.pid).not.toBe(old);
  });

  it('refuses a malformed request without forking, and keeps serving', async () => {
    // The spawner checks every field before it forks; a bad one is answered, never run.
    const runDir = mkdtempSync(path.join(base, 'bad-'));
    const bad = await AnsibleProcess.start(spawner, {
      bin: '/bin/sh',
      argv: ['-c', 'echo ran'],
      cwd: base,
      env: { PATH: 1 } as unknown as Record<string, string>, // a type the worker never sends
      graceMs: 1_000,
      leaseFile: lease,
      runDir,
      onLine: () => undefined,
    });
    expect((await bad.exited).spawnError).toMatch(/env must map strings to strings/);
    expect((await (await run('exit 0')).child.exited).exitCode).toBe(0);
  });
});
