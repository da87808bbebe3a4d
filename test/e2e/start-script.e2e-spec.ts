import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { processesWithEnv } from '../support/supervisord.js';
import { StartScript } from '../support/start-script.js';
import { type TestEnv, createTestEnv, freePort, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

describe('npm start (scripts/start.mjs)', () => {
  let env: TestEnv;
  let port: number;
  let script: StartScript;
  /** Everything started with this suite's queue prefix: the script's API and worker, and any ansible. */
  const ours = () => processesWithEnv('SLIPWAY_QUEUE_PREFIX', env.queuePrefix);

  beforeAll(async () => {
    env = await createTestEnv('start-script');
    port = await freePort();
    // As a newcomer runs it: no token given (the script makes one), no LOG_LEVEL or LOG_FORMAT chosen.
    const { SLIPWAY_BOOTSTRAP_TOKEN: _given, LOG_LEVEL: _level, LOG_FORMAT: _format, ...suiteEnv } = env.env;
    const { LOG_LEVEL: _l, LOG_FORMAT: _f, SLIPWAY_BOOTSTRAP_TOKEN: _t, ...inherited } = process.env;
    script = new StartScript({ ...inherited, ...suiteEnv, PORT: String(port) });
  });

  afterAll(async () => {
    // Only if a test failed half-way: nothing of ours may outlive the suite.
    for (const p of ours()) process.kill(p.pid, 'SIGKILL');
    if (script?.child.exitCode === null) script.child.kill('SIGKILL');
    await env?.cleanup();
  });

  let token = '';

  it('prints the dashboard URL and the token once everything is ready, without Nest start-up chatter', async () => {
    await waitFor('the ready summary', () => {
      if (script.child.exitCode !== null) throw new Error(`start.mjs exited:\n${script.output}`);
      return /slipway: ready/.test(script.output);
    }, { timeoutMs: 120_000 });
    const afterReady = script.output.slice(script.output.search(/slipway: ready/));
    expect(afterReady).toContain(`http://127.0.0.1:${port}/`);
    const match = /admin token for this run: (\S+)/.exec(afterReady);
    expect(match, script.output).not.toBeNull();
    token = match![1]!;
    // The worker is in the registry by then, so a release submitted now starts.
    const workers = (await new ApiClient(`http://127.0.0.1:${port}`, token).request('GET', '/api/v1/workers')).body as unknown[];
    expect(workers.length).toBeGreaterThanOrEqual(1);
    for (const chatter of ['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'dependencies initialized', 'Mapped {']) {
      expect(script.output, script.output).not.toContain(chatter);
    }
  });

  it('SIGHUP (the terminal closed) stops API and worker, after the release in flight has finished', async () => {
    const api = new ApiClient(`http://127.0.0.1:${port}`, token);
    const created = (await api.request('POST', '/api/v1/releases', { template: 'deploy-sim', extraVars: { seconds: 3 } })).body as { id: number };
    await waitFor('the release to run', async () => (await api.getRelease(created.id)).status === 'running', { timeoutMs: 60_000 });
    const before = ours();
    expect(before.filter((p) => p.command.includes('dist/apps/api/main.js'))).toHaveLength(1);
    expect(before.filter((p) => p.command.includes('dist/apps/worker/main.js'))).toHaveLength(1);

    script.child.kill('SIGHUP');
    const exit = await Promise.race([script.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 90_000))]);
    expect(exit, script.output).not.toBe('hung');
    // Nothing is left behind: no API, no worker, no ansible, neither under the script nor re-parented to init.
    await waitFor('every child to be gone', () => ours().length === 0, { timeoutMs: 5_000 }).catch(() => undefined);
    expect(ours().map((p) => `${p.pid} ${p.command}`)).toEqual([]);
    // The worker drained rather than dying: the release ran to its end.
    const [row] = await queryDb<{ status: string }>(env.databaseUrl, 'SELECT status FROM releases WHERE id = ?', [created.id]);
    expect(row?.status).toBe('succeeded');
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} stops both children too`, async () => {
      const again = new StartScript({ ...process.env, ...env.env, PORT: String(await freePort()), LOG_FORMAT: 'json' });
      await waitFor('the ready summary', () => {
        if (again.child.exitCode !== null) throw new Error(`start.mjs exited:\n${again.output}`);
        return again.output.includes('slipway: ready');
      }, { timeoutMs: 120_000 });
      expect(again.output).not.toContain('admin token for this run'); // the given SLIPWAY_BOOTSTRAP_TOKEN is used
      again.child.kill(signal);
      await again.exited;
      await waitFor('every child to be gone', () => ours().length === 0, { timeoutMs: 5_000 }).catch(() => undefined);
      expect(ours().map((p) => `${p.pid} ${p.command}`)).toEqual([]);
    });
  }
});
