import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { WorkerRegistryEntry } from '@slipway/queue';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ShutdownSuite, startShutdownSuite } from '../support/shutdown-suite.js';
import { pidOfWorkerId, workerName } from '../support/supervisord.js';
import { REPO_ROOT } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

const STUB_ANSIBLE = resolve(REPO_ROOT, 'test/fixtures/shutdown/bin/ansible-playbook');

/** When the drain cannot finish: the deadline step, and supervisord's SIGKILL when ops set it too low. */
describe('worker shutdown past the drain', () => {
  describe('4. DRAIN_TIMEOUT_MS=3000 with a 30 s release (stand-in ansible-playbook that records signals)', () => {
    let suite: ShutdownSuite;
    const stubDir = mkdtempSync(join(tmpdir(), 'slipway-stub-'));
    const signalLog = join(stubDir, 'signals.log');

    beforeAll(async () => {
      suite = await startShutdownSuite('deadline', {
        env: { DRAIN_TIMEOUT_MS: '3000', ANSIBLE_PLAYBOOK_BIN: STUB_ANSIBLE, ANSIBLE_STUB_SIGNAL_LOG: signalLog, ANSIBLE_STUB_SECONDS: '30' },
      });
    });

    afterAll(async () => {
      await suite?.close();
      rmSync(stubDir, { recursive: true, force: true });
    });

    afterEach(({ task }) => {
      if (task.result?.state === 'fail') console.error(suite.supervisor.allLogs());
    });

    it('ansible gets SIGINT (never SIGTERM), the release is interrupted, the worker exits 0 before stopwaitsecs', async () => {
      await suite.supervisor.ctl('stop', workerName(1));
      const pid = await suite.supervisor.waitWorkerReady(0);
      const release = await suite.client.createRelease({ template: 'deploy-sim', inventory: 'lane1' });
      await waitFor('the stand-in to print progress', async () => (await suite.client.log(release.id)).includes('stub progress 1/30'));
      expect(pidOfWorkerId((await suite.client.getRelease(release.id)).workerId)).toBe(pid);

      const stop = await suite.supervisor.ctl('stop', workerName(0));
      expect(stop.output).toContain('stopped');

      const done = await suite.client.waitForRelease(release.id, ['interrupted', 'failed', 'succeeded'], 30_000);
      expect(done.status).toBe('interrupted');
      expect(done.reason).toContain('drain deadline');
      expect(await suite.client.log(release.id)).not.toContain('stub progress 30/30');

      const signals = readFileSync(signalLog, 'utf8').trim().split('\n');
      const stubPid = signals[0]?.split(' ')[1];
      expect(signals).toEqual([`START ${stubPid}`, `INT ${stubPid}`]);
      // The worker exited by itself (exit status 0), long before supervisord's stopwaitsecs (600 s) and SIGKILL.
      expect(suite.supervisor.log('supervisord')).toMatch(/stopped: slipway-worker_00 \(exit status 0\)/);
      expect(suite.leftoverAnsible()).toEqual([]);
    });
  });

  describe('5. mis-set stopwaitsecs=5 with a 30 s release: supervisord SIGKILLs the worker', () => {
    let suite: ShutdownSuite;

    beforeAll(async () => {
      suite = await startShutdownSuite('sigkill', { settings: { 'program:slipway-worker': { stopwaitsecs: '5' } } });
    });

    afterAll(async () => {
      await suite?.close();
    });

    afterEach(({ task }) => {
      if (task.result?.state === 'fail') console.error(suite.supervisor.allLogs());
    });

    it('the release becomes interrupted within 90 s, no ansible is left, the restarted worker takes new releases', async () => {
      await suite.supervisor.ctl('stop', workerName(1));
      const pid = await suite.supervisor.waitWorkerReady(0);
      const release = await suite.client.createRelease({ template: 'deploy-sim', inventory: 'lane1', extraVars: { seconds: 30 } });
      await waitFor('progress while running', async () => (await suite.client.log(release.id)).includes('progress 1/30'));
      expect(suite.leftoverAnsible().length).toBeGreaterThan(0); // the check below can see them

      await suite.supervisor.ctl('restart', workerName(0));
      const killedAt = Date.now();
      expect(suite.supervisor.log('supervisord')).toMatch(/stopped: slipway-worker_00 \(terminated by SIGKILL\)/);
      // killasgroup=true took ansible-playbook (and its forks) down with the worker.
      await waitFor('no ansible-playbook left', () => suite.leftoverAnsible().length === 0, { timeoutMs: 5_000 }).catch(() => {
        throw new Error(`left behind: ${JSON.stringify(suite.leftoverAnsible())}`);
      });

      const done = await suite.client.waitForRelease(release.id, ['interrupted', 'succeeded', 'failed'], 90_000);
      expect(done.status).toBe('interrupted');
      expect(done.reason).toBe(`worker ${done.workerId} lost`);
      expect(new Date(done.finishedAt!).getTime() - killedAt).toBeLessThan(90_000);

      // The killed worker drops out of GET /api/v1/workers within 30 s (its heartbeat key expires).
      await waitFor(
        'the killed worker to leave the registry',
        async () => {
          const { body } = await suite.client.request<WorkerRegistryEntry[]>('GET', '/api/v1/workers');
          return !body.some((w) => w.pid === pid);
        },
        { timeoutMs: 30_000 - (Date.now() - killedAt), intervalMs: 500 },
      );
      const newPid = await suite.supervisor.waitWorkerReady(0, pid);
      const next = await suite.client.createRelease({ template: 'hello', inventory: 'lane2' });
      const nextDone = await suite.client.waitForRelease(next.id, ['succeeded', 'failed', 'interrupted']);
      expect(nextDone.status).toBe('succeeded');
      expect(pidOfWorkerId(nextDone.workerId)).toBe(newPid);
      // The killed release was not run again.
      expect(suite.supervisor.log('slipway-worker_00').match(new RegExp(`release ${release.id} started`, 'g'))).toHaveLength(1);
    });
  });
});
