import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

const FINAL = ['succeeded', 'failed', 'cancelled', 'interrupted'];
const time = (iso: string | null) => new Date(iso ?? NaN).getTime();

/**
 * Issue 11 ("runAt breaks the lock"): release A on deploy-sim with runAt a few seconds ahead, then release
 * B on the same lock key with no runAt. B started, then A started while B was still running. Now A takes
 * its place in the lock's queue when it becomes due: it waits for B, then runs.
 */
describe('a scheduled release and the lock', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('lock_order');
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    client = new ApiClient(api.url, env.bootstrapToken);
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  it('becomes due while a later release of its key runs, waits for it, then runs', async () => {
    const runAt = new Date(Date.now() + 3_000);
    const scheduled = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 1 }, runAt: runAt.toISOString() });
    const immediate = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 8 } });
    expect(scheduled.lockKey).toBe(immediate.lockKey);

    await waitFor('the unscheduled release to start', async () => (await client.getRelease(immediate.id)).status === 'running', {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    // Past its runAt, the scheduled one says it waits for the running one instead of starting beside it.
    const waiting = await waitFor(
      'the scheduled release to wait for the lock',
      async () => {
        const release = await client.getRelease(scheduled.id);
        expect(release.status).toBe('queued');
        return release.waitingReason ? release : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(waiting.waitingReason).toBe(`waiting for release ${immediate.id}`);
    expect(Date.now()).toBeGreaterThanOrEqual(runAt.getTime());

    const [a, b] = await Promise.all([client.waitForRelease(scheduled.id, FINAL, 120_000), client.waitForRelease(immediate.id, FINAL, 120_000)]);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(time(a.startedAt)).toBeGreaterThanOrEqual(time(b.finishedAt));
  });
});
