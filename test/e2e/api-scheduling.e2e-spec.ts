import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { readSse } from '../support/sse-client.js';
import { type TestEnv, createTestEnv, releaseIds } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

const FINAL = ['succeeded', 'failed', 'cancelled', 'interrupted'];
const time = (iso: string | null) => new Date(iso ?? NaN).getTime();

/** Lock keys (catalog default "{template}:{inventory}") and runAt, with real workers and ansible. */
describe('serialized targets and scheduled releases', () => {
  let env: TestEnv;
  let api: RunningApi;
  let workers: ServiceProcess[] = [];
  let client: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('api-sched');
    api = await startApi(env.env);
    // Two workers with room for two releases each: capacity is never what keeps a release waiting.
    workers = await Promise.all([startWorker(env.env), startWorker(env.env)]);
    client = new ApiClient(api.url, env.bootstrapToken);
  });

  afterAll(async () => {
    await Promise.all([...workers.map((w) => w.stop()), api?.stop()]);
    await env?.cleanup();
  });

  it('two releases on one lock key never overlap, in submission order, while a third on another key runs alongside', async () => {
    const first = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 5 } });
    const second = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 2 } });
    const other = await client.createRelease({ template: 'hello' });
    expect(first.lockKey).toBe(second.lockKey);
    expect(other.lockKey).not.toBe(first.lockKey);

    // While the first runs, the second says why it waits, on the API and on its event stream.
    const waiting = await waitFor(
      'the second release to report what it waits for',
      async () => {
        const release = await client.getRelease(second.id);
        return release.status === 'queued' && release.waitingReason ? release : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(waiting.waitingReason).toBe(`waiting for release ${first.id}`);
    const stream = await readSse(`${api.url}/api/v1/releases/${second.id}/events`, {
      headers: { authorization: `Bearer ${env.bootstrapToken}` },
      stopWhen: (event) => event.event === 'status',
    });
    expect(JSON.parse(stream.events[0].data)).toMatchObject({ status: 'queued', waitingReason: `waiting for release ${first.id}` });

    const [a, b, c] = await Promise.all(
      [first, second, other].map((r) => client.waitForRelease(r.id, FINAL, 120_000)),
    ) as [ReleaseJson, ReleaseJson, ReleaseJson];
    expect([a.status, b.status, c.status]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // Same key: the second starts only after the first finished.
    expect(time(b.startedAt)).toBeGreaterThanOrEqual(time(a.finishedAt));
    // Other key: ran while the first was running.
    expect(time(c.startedAt)).toBeLessThan(time(a.finishedAt));
    expect(time(c.finishedAt)).toBeGreaterThan(time(a.startedAt));
    expect(b.waitingReason).toBeNull();
  });

  it('three on one key across two workers run strictly one after another in submission order', async () => {
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 1 } }));
    const done = await Promise.all(created.map((r) => client.waitForRelease(r.id, FINAL, 120_000)));
    expect(done.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (let i = 1; i < done.length; i++) {
      expect(time(done[i].startedAt)).toBeGreaterThanOrEqual(time(done[i - 1].finishedAt));
    }
  });

  it('a release with runAt stays queued until then, and then runs', async () => {
    const runAt = new Date(Date.now() + 5_000);
    const created = await client.createRelease({ template: 'hello', runAt: runAt.toISOString() });
    expect(time(created.runAt as string)).toBe(runAt.getTime());
    // Checked repeatedly until just before its time: never started early.
    while (Date.now() < runAt.getTime() - 500) {
      const release = await client.getRelease(created.id);
      expect(release.status).toBe('queued');
      expect(release.startedAt).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const done = await client.waitForRelease(created.id, FINAL, 60_000);
    expect(done.status).toBe('succeeded');
    expect(time(done.startedAt)).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it('refuses a runAt in the past or unparsable, naming the field and writing nothing', async () => {
    for (const runAt of ['2001-01-01T00:00:00Z', 'tomorrow', '2030-13-45T99:00:00Z', 12345]) {
      const before = await releaseIds(env.databaseUrl);
      const response = await client.request<{ message: string }>('POST', '/api/v1/releases', { template: 'hello', runAt });
      expect(response.status, `${String(runAt)}: ${response.text}`).toBe(400);
      expect(response.body.message).toContain('runAt');
      expect(await releaseIds(env.databaseUrl)).toEqual(before);
    }
  });
});
