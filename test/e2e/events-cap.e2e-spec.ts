import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Release, type ReleaseHosts, releaseBody, releaseHosts } from '@slipway/contracts';
import { ApiClient } from '../support/api-client.js';
import { startCli } from '../support/cli-runner.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

/** Small enough that one host's 20 results do not fit (each event line is a few hundred bytes). */
const CAP = 4_096;

// Issue 21 item 3: the events plugin's file is bounded by the worker's SLIPWAY_EVENTS_MAX_BYTES. Past it,
// events are not kept but counted, and the release says so; the final stats are always written.
describe('SLIPWAY_EVENTS_MAX_BYTES: the events file cap is the worker setting, and what it cuts is shown', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let dir: string;
  let bot: ApiClient;
  let token: string;
  let release: Release;

  beforeAll(async () => {
    env = await createTestEnv('events-cap');
    dir = mkdtempSync(join(tmpdir(), 'slipway-events-cap-'));
    env.env.SLIPWAY_CATALOG = join(dir, 'catalog.yml');
    writeFileSync(
      env.env.SLIPWAY_CATALOG,
      [`project: ${resolve(REPO_ROOT, 'test/fixtures/events')}`, 'inventories:', '  fifty: fifty-hosts.ini', 'templates:', '  fifty:', '    playbook: fifty-by-twenty.yml', '    inventories: [fifty]', ''].join('\n'),
    );
    api = await startApi(env.env);
    worker = await startWorker({ ...env.env, SLIPWAY_EVENTS_MAX_BYTES: String(CAP) });
    token = await createToken(new ApiClient(api.url, env.bootstrapToken), 'cap-bot', 'deployer');
    bot = new ApiClient(api.url, token);
    const created = await bot.createRelease({ template: 'fifty', inventory: 'fifty', limit: 'host01' });
    await bot.waitForRelease(created.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 120_000);
    release = releaseBody.parse((await bot.request('GET', `/api/v1/releases/${created.id}`)).body);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps what fits under the cap, in order from the start, and counts the rest as not kept on the release', async () => {
    expect(release.status, worker.output.slice(-3_000)).toBe('succeeded');
    // The stats are written past the cap: the events are complete as far as ansible is concerned, and say what is missing.
    expect(release.events.state).toBe('complete');
    expect(release.events.notKept).toBeGreaterThan(0);
    const rows = await queryDb<{ seq: number; type: string; data: string }>(env.databaseUrl, 'SELECT seq, type, data FROM release_events WHERE release_id = ? ORDER BY seq', [release.id]);
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
    expect(release.events.stored).toBe(rows.length);
    // 1 playbook start, 1 play start, 20 task starts, 20 host results and the stats, kept or not.
    expect(release.events.stored + release.events.notKept).toBeGreaterThanOrEqual(43);
    const hostResults = rows.filter((r) => r.type === 'host_result').length;
    expect(hostResults).toBeLessThan(20);
    // What was kept before the stats fits under the cap (the stats alone may go past it).
    const kept = rows.filter((r) => r.type !== 'stats').reduce((sum, r) => sum + Buffer.byteLength(r.data) + 1, 0);
    expect(kept).toBeLessThanOrEqual(CAP);
    const stats = JSON.parse(rows.at(-1)!.data) as { type: string; notKept: number };
    expect(stats).toMatchObject({ type: 'stats', notKept: release.events.notKept });
  });

  it('says so wherever the results are shown: the host summary and the CLI', async () => {
    const hosts = releaseHosts.parse((await bot.request<ReleaseHosts>('GET', `/api/v1/releases/${release.id}/hosts`)).body);
    expect(hosts.events.notKept).toBe(release.events.notKept);
    const shown = await startCli(['release', 'show', String(release.id), '--hosts'], { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: token }).done;
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`${release.events.notKept} events not kept`);
  });
});
