import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 24 item 2, warm shutdown: a render in flight when the worker gets SIGTERM is finished (file
 * installed, reload step run, outcome recorded) before the worker exits 0, like a release. The reload
 * step is a slow program so the render is surely in flight when the signal comes.
 */
describe('DNS renders drain like releases', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let zonesDir: string;

  beforeAll(async () => {
    env = await createTestEnv('dns-drain');
    zonesDir = await mkdtemp(join(tmpdir(), 'slipway-t-zones-'));
    const dnsEnv = { ...env.env, DNS_ZONES_DIR: zonesDir, DNS_RELOAD_COMMAND: JSON.stringify(['sleep', '3']), DNS_RENDER_DELAY_MS: '0' };
    api = await startApi(dnsEnv);
    worker = await startWorker(dnsEnv);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    await rm(zonesDir, { recursive: true, force: true });
  });

  it('SIGTERM during a render: the render finishes and is recorded, then the worker exits 0', { timeout: 60_000 }, async () => {
    const client = new ApiClient(api.url, env.bootstrapToken);
    expect((await client.request('POST', '/api/v1/dns/zones', { name: 'drain.test', primaryNs: 'ns1.example.net.', hostmaster: 'hostmaster@drain.test' })).status).toBe(201);
    // The lease is taken when the render starts and given back when its outcome is written.
    await waitFor('the render to be in flight', async () => {
      const [row] = await queryDb<{ owner: string | null }>(env.databaseUrl, "SELECT render_owner AS owner FROM dns_zones WHERE name = 'drain.test'");
      return row?.owner ? true : undefined;
    }, { intervalMs: 50 });
    worker.signal('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    const [zone] = await queryDb<{ status: string; version: number; rendered: number | null; owner: string | null }>(
      env.databaseUrl,
      "SELECT render_status AS status, version, rendered_version AS rendered, render_owner AS owner FROM dns_zones WHERE name = 'drain.test'",
    );
    expect(zone).toEqual({ status: 'rendered', version: 1, rendered: 1, owner: null });
  });
});
