import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, environOf, liveProcesses, runProcesses, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 11.3 / 11.4 / 10.4, checked from outside (/proc, the run directories on disk, the API): every run
 * is a process group of its own under a supervisor, stopped as a whole, never outliving its worker, with
 * an allow-listed environment and a private directory that goes with it.
 */
const CANARY = 'process-tree-canary-7f3a';
const GRACE_MS = 3_000;

describe('ansible process trees', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;
  let workerEnv: Record<string, string>;
  const lockDir = mkdtempSync(join(tmpdir(), 'slipway-locks-'));

  beforeAll(async () => {
    env = await createTestEnv('process-tree');
    env.env.SLIPWAY_CATALOG = resolve(REPO_ROOT, 'test/fixtures/process/catalog.yml');
    api = await startApi(env.env);
    workerEnv = {
      ...env.env,
      SLIPWAY_CANARY: CANARY,
      // Named like a locale variable to slip past a LC_* wildcard; a real one beside it still passes.
      LC_EVIL: CANARY,
      LC_MESSAGES: 'C.UTF-8',
      CANCEL_GRACE_MS: String(GRACE_MS),
      WORKER_HEARTBEAT_MS: '1000',
      WORKER_TTL_MS: '3000',
      WORKER_CONCURRENCY: '4',
    };
    worker = await startWorker(workerEnv);
    client = new ApiClient(api.url, env.bootstrapToken);
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    for (const p of runProcesses(env.runDir)) {
      try {
        process.kill(p.pid, 'SIGKILL'); // whatever a failed test left, so the next suites are not disturbed
      } catch {
        // gone
      }
    }
    await env?.cleanup();
    rmSync(lockDir, { recursive: true, force: true });
  });

  /** Processes of this suite's runs: by TMPDIR, or (old code) by the worker's own environment. */
  const leftovers = () =>
    runProcesses(env.runDir, { name: 'SLIPWAY_QUEUE_PREFIX', value: env.queuePrefix }).filter(
      (p) => !/dist\/apps\/(api|worker)\/main\.js/.test(p.command), // the suite's own API and worker
    );
  const runDirsOf = (id: number) => {
    try {
      return readdirSync(env.runDir).filter((name) => name.startsWith(`release-${id}-`));
    } catch {
      return [];
    }
  };
  const start = async (lane: string, template = 'fork-sleep', seconds = 40): Promise<ReleaseJson> => {
    const release = await client.createRelease({
      template,
      inventory: lane,
      extraVars: { seconds, lock_file: join(lockDir, `${lane}.lock`) },
    });
    await waitFor(`release ${release.id} to hold its lock`, async () => (await client.log(release.id)).includes('TASK [hold the lock]'), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    return release;
  };
  /** The worker's run spawner (its child bin/slipway-spawner.py) and the runs' supervisors (forks of it). */
  const spawnerOf = (workerPid: number) => liveProcesses().find((p) => p.ppid === workerPid && p.command.includes('slipway-spawner.py'));
  const supervisorsOf = (spawnerPid: number) => liveProcesses().filter((p) => p.ppid === spawnerPid);
  const ansibleProcesses = () => leftovers().filter((p) => p.command.startsWith('/usr/bin/python3 /usr/bin/ansible-playbook'));
  const sleepsOf = () => leftovers().filter((p) => /^sleep \d+$/.test(p.command));
  const expectNothingLeft = async (what: string, timeoutMs = 5_000) => {
    await waitFor(what, () => leftovers().length === 0, { timeoutMs, intervalMs: 100 }).catch(() => {
      throw new Error(`${what}: left running: ${JSON.stringify(leftovers().map((p) => p.command))}`);
    });
  };

  it('ansible sees none of the worker environment, runs in a private 0700 dir that is gone after success', async () => {
    const release = await start('lane1', 'fork-sleep', 6);
    const ansible = ansibleProcesses();
    expect(ansible.length).toBeGreaterThan(0);
    for (const p of ansible) {
      const environ = environOf(p.pid);
      expect(Object.values(environ)).not.toContain(CANARY);
      // The only SLIPWAY_ names are the run's own, set for the events plugin: a file in the run's private
      // directory and its cap (the worker's validated setting, default 512 MiB).
      const { SLIPWAY_EVENTS_FILE: eventsFile, SLIPWAY_EVENTS_MAX_BYTES: eventsMaxBytes, ...others } = environ;
      expect(eventsMaxBytes).toBe(String(512 * 1024 * 1024));
      for (const name of Object.keys(others)) expect(name).not.toMatch(/^(SLIPWAY_|DATABASE_URL|REDIS_URL|NODE_)/);
      expect(eventsFile).toBe(join(resolve(environ.TMPDIR ?? '', '..'), 'events.jsonl'));
      expect(environ.PATH).toBeTruthy();
      expect(environ.LC_EVIL).toBeUndefined();
      expect(environ.LC_MESSAGES).toBe('C.UTF-8');
      // Its TMPDIR and ANSIBLE_LOCAL_TEMP are the run's own directory, private to the worker's user.
      expect(environ.TMPDIR?.startsWith(`${env.runDir}/release-${release.id}-`)).toBe(true);
      expect(environ.ANSIBLE_LOCAL_TEMP).toBe(environ.TMPDIR);
      const runDir = resolve(environ.TMPDIR ?? '', '..');
      expect(statSync(runDir).mode & 0o777).toBe(0o700);
      expect(readdirSync(runDir)).toContain('extra-vars.yml');
      expect(statSync(join(runDir, 'extra-vars.yml')).mode & 0o777).toBe(0o600);
    }
    // Each run is its own process group, led by its supervisor, not the worker's.
    const groups = new Set(ansible.map((p) => Number(readPgid(p.pid))));
    expect(groups.size).toBe(1);
    expect(groups.has(Number(readPgid(worker.pid)))).toBe(false);

    const done = await client.waitForRelease(release.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 60_000);
    expect(done.status).toBe('succeeded');
    // The background sleep (seconds: 6) was still running when ansible ended: killed with the run.
    await expectNothingLeft('nothing of the run to be left after success');
    expect(runDirsOf(release.id)).toEqual([]);
  });

  it('cancel stops the whole group: the forked sleep dies too, the release is cancelled, its dir is gone', async () => {
    const release = await start('lane2');
    await waitFor('the background sleep and the one flock runs', () => sleepsOf().length >= 2, { timeoutMs: 20_000 });
    const { status } = await client.request('POST', `/api/v1/releases/${release.id}/cancel`);
    expect(status).toBe(202);
    const done = await client.waitForRelease(release.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 30_000);
    expect(done.status).toBe('cancelled');
    await expectNothingLeft('nothing of the cancelled run to be left');
    expect(runDirsOf(release.id)).toEqual([]);
  });

  it('the timeout stops the whole group: the release fails as timed out, nothing is left, its dir is gone', async () => {
    const release = await start('lane3', 'fork-sleep-timeout', 60);
    const done = await client.waitForRelease(release.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 60_000);
    expect(done.status).toBe('failed');
    expect(done.reason).toContain('timed out after 15 s');
    await expectNothingLeft('nothing of the timed-out run to be left');
    expect(runDirsOf(release.id)).toEqual([]);
  });

  it("SIGKILL of ansible's main pid ends the release at once with the real reason; nothing is left; the lock is free", async () => {
    const release = await start('lane4');
    const ansible = ansibleProcesses();
    const main = ansible.find((p) => !ansible.some((parent) => parent.pid === p.ppid)); // not one of its forks
    expect(main).toBeDefined();
    process.kill(main!.pid, 'SIGKILL');
    const killedAt = Date.now();
    const done = await client.waitForRelease(release.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 20_000);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(done.status).toBe('failed');
    expect(done.reason).toBe('ansible-playbook was killed by SIGKILL');
    await expectNothingLeft('nothing of the killed run to be left');
    expect(runDirsOf(release.id)).toEqual([]);
    // The lock key is free again: the next release on it runs (and holds the flock, so nothing old does).
    const next = await start('lane4', 'fork-sleep', 2);
    expect((await client.waitForRelease(next.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 60_000)).status).toBe('succeeded');
  });

  it('kill -9 of the worker: its runs die within 5 s, the restarted worker marks the release interrupted, removes its dir, and the next release on the lock never runs beside it', async () => {
    const release = await start('lane5');
    const dirs = runDirsOf(release.id);
    expect(dirs).toHaveLength(1);
    // Queued behind it on the same lock key (lane5): must not start while anything of the old run lives.
    const next = await client.createRelease({ template: 'fork-sleep', inventory: 'lane5', extraVars: { seconds: 2, lock_file: join(lockDir, 'lane5.lock') } });
    const spawner = spawnerOf(worker.pid);
    expect(spawner).toBeDefined();
    const supervisors = supervisorsOf(spawner!.pid);
    expect(supervisors.length).toBeGreaterThan(0);
    worker.signal('SIGKILL');
    await worker.exited;
    await expectNothingLeft('no process of the dead worker to survive', 5_000);
    // Nor its spawner, nor a run's supervisor (their environment is empty: not found by TMPDIR above).
    const survivors = () => [spawner!, ...supervisors].filter((p) => liveProcesses().some((q) => q.pid === p.pid && q.command === p.command));
    await waitFor('the dead worker\'s spawner and supervisors to be gone', () => survivors().length === 0, { timeoutMs: 5_000 }).catch(() => {
      throw new Error(`left running: ${JSON.stringify(survivors().map((p) => `${p.pid} ${p.command}`))}`);
    });

    worker = await startWorker(workerEnv);
    const done = await client.waitForRelease(release.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 20_000);
    expect(done.status).toBe('interrupted');
    expect(done.reason).toMatch(/^worker \S+ lost$/);
    expect(existsIn(env.runDir, dirs[0])).toBe(false);
    // The next one ran alone: the flock it takes was free (exit 42 would have failed it).
    const nextDone = await client.waitForRelease(next.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 60_000);
    expect(nextDone.status, await client.log(next.id)).toBe('succeeded');
    expect(new Date(nextDone.startedAt!).getTime()).toBeGreaterThanOrEqual(new Date(done.finishedAt!).getTime());
  });

  it('kill -9 of the run spawner: its run dies at once and fails with the reason, nothing is left, the next release gets a new spawner', async () => {
    const release = await start('lane7');
    const spawner = spawnerOf(worker.pid);
    expect(spawner).toBeDefined();
    process.kill(spawner!.pid, 'SIGKILL');
    const killedAt = Date.now();
    const done = await client.waitForRelease(release.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 20_000);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(done.status).toBe('failed');
    expect(done.reason).toMatch(/^ansible-playbook was killed: the run spawner exited/);
    await expectNothingLeft('nothing of the run to be left');
    expect(runDirsOf(release.id)).toEqual([]);
    const next = await start('lane7', 'fork-sleep', 2);
    expect((await client.waitForRelease(next.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 60_000)).status).toBe('succeeded');
    const restarted = spawnerOf(worker.pid);
    expect(restarted?.pid).toBeDefined();
    expect(restarted?.pid).not.toBe(spawner!.pid);
  });

  it('a malformed message on the cancel channel does not kill the worker; a real cancel still works', async () => {
    const release = await start('lane6');
    const { Redis } = await import('ioredis');
    const redis = new Redis(env.redisUrl);
    try {
      for (const message of ['not json', '{"releaseId":', 'null', '{"releaseId":"x"}', JSON.stringify({ releaseId: release.id })]) {
        await redis.publish(`${env.queuePrefix}:cancel`, message);
      }
    } finally {
      redis.disconnect();
    }
    await waitFor('the worker to report the malformed messages', () => worker.output.includes('ignored a malformed cancel message') || !worker.running, {
      timeoutMs: 10_000,
    });
    expect(worker.running, worker.output.slice(-3000)).toBe(true);
    expect((await client.getRelease(release.id)).status).toBe('running');
    await client.request('POST', `/api/v1/releases/${release.id}/cancel`);
    expect((await client.waitForRelease(release.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 30_000)).status).toBe('cancelled');
    await expectNothingLeft('nothing of the cancelled run to be left');
  });

});

function readPgid(pid: number): string {
  const stat = readFileSyncSafe(`/proc/${pid}/stat`);
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2] ?? '';
}

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function existsIn(dir: string, name: string): boolean {
  try {
    return readdirSync(dir).includes(name);
  } catch {
    return false;
  }
}
