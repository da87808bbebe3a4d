import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerRegistryEntry } from '@slipway/queue';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { type ShutdownSuite, startShutdownSuite } from '../support/shutdown-suite.js';
import { pidOfWorkerId, workerName } from '../support/supervisord.js';
import { waitFor } from '../support/wait-for.js';

function countLines(text: string): number {
  return text === '' ? 0 : text.split('\n').length - 1;
}

/**
 * Issue 3, warm shutdown under the shipped supervisord.conf: two worker processes (concurrency 2), real
 * MariaDB, Redis and ansible-playbook. The tests share one supervisord and run in order; each says which
 * worker processes it needs.
 */
describe('worker warm shutdown under supervisord', () => {
  let suite: ShutdownSuite;

  beforeAll(async () => {
    suite = await startShutdownSuite('drain');
  });

  afterAll(async () => {
    await suite?.close();
  });

  afterEach(({ task }) => {
    if (task.result?.state === 'fail') console.error(suite.supervisor.allLogs());
  });

  async function ensureRunning(n: number): Promise<number> {
    await suite.supervisor.ctl('start', workerName(n));
    return suite.supervisor.waitWorkerReady(n);
  }

  async function ensureStopped(n: number): Promise<void> {
    await suite.supervisor.ctl('stop', workerName(n));
  }

  function waitRunning(id: number, timeoutMs = 30_000): Promise<ReleaseJson> {
    return suite.client.waitForRelease(id, ['running'], timeoutMs);
  }

  /** Every line the workers printed (JSON) at warn level or above, or that is not JSON (stack traces). */
  function problems(processName: string): string[] {
    return suite.supervisor
      .log(processName)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter((line) => {
        try {
          return Number((JSON.parse(line) as { level?: number }).level) >= 40;
        } catch {
          return true;
        }
      });
  }

  it('1. an idle worker exits 0 within 2 s of SIGTERM, with no Redis or DB error', async () => {
    await ensureRunning(1);
    const started = Date.now();
    const stop = await suite.supervisor.ctl('stop', workerName(1));
    const tookMs = Date.now() - started;
    expect(stop.output).toContain('stopped');
    expect(tookMs).toBeLessThan(2_000);
    const supervisordLog = suite.supervisor.log('supervisord');
    expect(supervisordLog).toMatch(/stopped: slipway-worker_01 \(exit status 0\)/);
    expect(problems('slipway-worker_01')).toEqual([]);
  });

  it('2. supervisorctl restart with two 20 s releases in flight: both succeed, the restart waits for them', async () => {
    await ensureStopped(1);
    const pid = await ensureRunning(0);
    const releases = await Promise.all(
      ['lane1', 'lane2'].map((inventory) =>
        suite.client.createRelease({ template: 'deploy-sim', inventory, extraVars: { seconds: 20 } }),
      ),
    );
    for (const release of releases) expect(pidOfWorkerId((await waitRunning(release.id)).workerId)).toBe(pid);

    const restart = await suite.supervisor.ctl('restart', workerName(0));
    const restartReturnedAt = Date.now();
    expect(restart.output).toContain('started');

    for (const { id } of releases) {
      const done = await suite.client.getRelease(id);
      expect(done.status, JSON.stringify(done)).toBe('succeeded');
      // The restart returned only after the release finished (the old worker drained it).
      expect(new Date(done.finishedAt!).getTime()).toBeLessThanOrEqual(restartReturnedAt);
      const log = await suite.client.log(id);
      expect(log).toContain('progress 20/20');
      expect(log.match(/PLAY RECAP/g)).toHaveLength(1);
      expect(countLines(log)).toBe(done.logLines);
    }
    expect(suite.supervisor.log('supervisord')).toMatch(/stopped: slipway-worker_00 \(exit status 0\)/);
    expect(suite.leftoverAnsible()).toEqual([]);
    expect(suite.stalledJobs).toEqual([]);
    // The old worker is gone and a new one runs in its place.
    expect(() => process.kill(pid, 0)).toThrow();
    expect(await suite.supervisor.waitWorkerReady(0)).not.toBe(pid);
  });

  it('3. releases submitted during a drain are started by the other worker, not the draining one', async () => {
    const [a, b] = await Promise.all([ensureRunning(0), ensureRunning(1)]);
    const inFlight = await suite.client.createRelease({ template: 'deploy-sim', inventory: 'lane1', extraVars: { seconds: 8 } });
    const drainingPid = pidOfWorkerId((await waitRunning(inFlight.id)).workerId);
    const draining = drainingPid === a ? 0 : 1;
    const otherPid = drainingPid === a ? b : a;

    const stopping = suite.supervisor.ctl('stop', workerName(draining));
    await waitFor('the worker to report draining', () => suite.supervisor.workerLog(draining, drainingPid).includes('draining'));
    // GET /api/v1/workers shows it draining with its release, and the other one active.
    const workers = await waitFor('the registry to say draining', async () => {
      const { body } = await suite.client.request<WorkerRegistryEntry[]>('GET', '/api/v1/workers');
      return body.find((w) => w.pid === drainingPid)?.state === 'draining' ? body : undefined;
    });
    expect(workers.find((w) => w.pid === drainingPid)?.releases).toEqual([inFlight.id]);
    expect(workers.find((w) => w.pid === otherPid)?.state).toBe('active');
    expect((await new ApiClient(suite.api.url).request('GET', '/api/v1/workers')).status).toBe(401);
    const during = await Promise.all(
      ['lane2', 'lane3', 'lane4'].map((inventory) => suite.client.createRelease({ template: 'hello', inventory })),
    );
    for (const { id } of during) {
      const done = await suite.client.waitForRelease(id, ['succeeded', 'failed', 'interrupted']);
      expect(done.status).toBe('succeeded');
      expect(pidOfWorkerId(done.workerId)).toBe(otherPid);
    }
    await stopping;
    const drained = await suite.client.getRelease(inFlight.id);
    expect(drained.status).toBe('succeeded');
    expect(pidOfWorkerId(drained.workerId)).toBe(drainingPid);
    await ensureRunning(draining);
  });

  it('6. a second SIGTERM during the drain interrupts the release in flight promptly', async () => {
    await ensureStopped(1);
    const pid = await ensureRunning(0);
    const release = await suite.client.createRelease({ template: 'deploy-sim', inventory: 'lane5', extraVars: { seconds: 30 } });
    await waitRunning(release.id);
    await waitFor('the first progress line', async () => (await suite.client.log(release.id)).includes('progress 1/30'));

    process.kill(pid, 'SIGTERM');
    await waitFor('the worker to report draining', () => suite.supervisor.workerLog(0, pid).includes('draining'));
    process.kill(pid, 'SIGTERM');

    const done = await suite.client.waitForRelease(release.id, ['succeeded', 'failed', 'interrupted', 'cancelled'], 25_000);
    expect(done.status).toBe('interrupted');
    expect(done.reason).toContain(`worker ${done.workerId}`);
    expect(await suite.client.log(release.id)).not.toContain('progress 30/30');
    // supervisord restarts the worker (autorestart); nothing of the old one is left.
    await suite.supervisor.waitWorkerReady(0, pid);
    expect(suite.leftoverAnsible()).toEqual([]);
  });

  it('7. SIGTERM in the instant after a job is fetched: the release still runs to succeeded, not stalled', async () => {
    await ensureStopped(1);
    const pid = await ensureRunning(0);
    // Frozen while blocked on the queue: the release arrives, then SIGTERM; both reach the worker in the
    // same instant when it thaws, so it wakes up with a job to fetch and a signal to drain.
    process.kill(pid, 'SIGSTOP');
    let release: ReleaseJson;
    try {
      release = await suite.client.createRelease({ template: 'hello', inventory: 'lane6' });
      process.kill(pid, 'SIGTERM');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const done = await suite.client.waitForRelease(release.id, ['succeeded', 'failed', 'interrupted'], 60_000);
    expect(done.status).toBe('succeeded');
    const logs = suite.supervisor.log('slipway-worker_00'); // the frozen worker and its successor
    expect(logs.match(new RegExp(`release ${release.id} started`, 'g'))).toHaveLength(1);
    expect(suite.stalledJobs).toEqual([]);
    await suite.supervisor.waitWorkerReady(0, pid);
  });
});
