import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { PrivateMariaDb } from '../support/private-servers.js';
import { PrivateNamed } from '../support/private-named.js';
import { type RunningApi, type ServiceProcess, runNode, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

const WORKER_USER = 'slipway_dns_worker';
const API_USER = 'slipway_dns_api';
const ZONE = 'night.test';

interface Zone {
  version: number;
  renderedVersion: number | null;
  renderStatus: string;
  serial: number | null;
}

/**
 * Issue 24 item 4, the DNS service's classic failure: the render job failed every morning with "MySQL
 * server has gone away" because its connection idled overnight. Here a private mariadbd (own port and
 * data dir; the shared server is never touched) closes idle connections after 2 s, and the render after
 * the worker's connections were dropped must succeed with nothing logged at error level.
 */
describe('DNS renders after the night (private mariadbd, wait_timeout=2)', () => {
  let mariadb: PrivateMariaDb;
  let env: TestEnv;
  let named: PrivateNamed;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;

  beforeAll(async () => {
    mariadb = await PrivateMariaDb.create();
    env = await createTestEnv('dns-night', { mariadbUrl: mariadb.url() });
    named = await PrivateNamed.start([ZONE]);
    const asUser = (user: string) => env.databaseUrl.replace('mysql://root@', `mysql://${user}@`);
    const dnsEnv = { ...env.env, DNS_ZONES_DIR: named.zonesDir, DNS_RELOAD_COMMAND: JSON.stringify(named.reloadArgv), DNS_RENDER_DELAY_MS: '100' };
    const migrated = await runNode('dist/apps/api/main.js', { ...dnsEnv, DATABASE_URL: asUser(API_USER) }, ['migrate']);
    expect(migrated.code, migrated.output).toBe(0);
    api = await startApi({ ...dnsEnv, DATABASE_URL: asUser(API_USER) });
    client = new ApiClient(api.url, env.bootstrapToken);
    // Before the worker connects, so every connection it opens idles out after 2 s. Its pool's own idle
    // reaper (an hour here) is far longer: only the server closes them, as overnight.
    await mariadb.query('SET GLOBAL wait_timeout = 2');
    worker = await startWorker({ ...dnsEnv, DATABASE_URL: asUser(WORKER_USER), DB_IDLE_TIMEOUT_MS: '3600000', DB_MAX_IDLE: '5' });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await named?.stop();
    await env?.cleanup();
    await mariadb?.destroy();
  });

  const served = () =>
    waitFor('the zone rendered up to its version', async () => {
      const { body } = await client.request<Zone>('GET', `/api/v1/dns/zones/${ZONE}`);
      return body.renderedVersion === body.version && body.renderStatus === 'rendered' ? body : undefined;
    }, { timeoutMs: 60_000 });

  it('a render after the server closed the worker\'s idle connections succeeds, with no error logged', { timeout: 120_000 }, async () => {
    expect((await client.request('POST', '/api/v1/dns/zones', { name: ZONE, primaryNs: 'ns1.example.net.', hostmaster: 'hostmaster@night.test' })).status).toBe(201);
    expect((await client.request('POST', `/api/v1/dns/zones/${ZONE}/records`, { name: 'evening', type: 'A', value: '192.0.2.1' })).status).toBe(201);
    await served();
    const held = await waitFor('the worker to hold pooled connections', async () => {
      const ids = await mariadb.connectionIds(WORKER_USER);
      return ids.length > 0 ? ids : undefined;
    });
    await waitFor('the server to drop the worker\'s idle connections', async () => {
      const now = await mariadb.connectionIds(WORKER_USER);
      return held.every((id) => !now.includes(id));
    }, { timeoutMs: 30_000, intervalMs: 200 });

    // The first change of the morning.
    expect((await client.request('POST', `/api/v1/dns/zones/${ZONE}/records`, { name: 'morning', type: 'A', value: '192.0.2.2' })).status).toBe(201);
    await served();
    expect(await named.dig(`morning.${ZONE}`, 'A')).toEqual(['192.0.2.2']);
    const errors = worker.jsonLines().filter((line) => Number(line.level) >= 50);
    expect(errors, worker.output).toEqual([]);
    expect(worker.output).not.toMatch(/gone away|render-zone.*failed/i);
  });
});
