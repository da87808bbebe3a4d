import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { PrivateRedis } from '../support/private-servers.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

interface Zone {
  version: number;
  renderedVersion: number | null;
  renderStatus: string;
}

/**
 * Issue 24 item 4, the Redis half: a change committed while Redis is down (its render job never reaches
 * the queue) is still served once Redis is back, by the dns-sweep kind; nothing is logged at error level.
 * A private redis-server without persistence: its restart loses every key, job schedulers included.
 */
describe('DNS renders across a Redis restart (private redis-server)', () => {
  let redis: PrivateRedis;
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;
  let zonesDir: string;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    env = await createTestEnv('dns-redis', { redisUrl: redis.url });
    zonesDir = await mkdtemp(join(tmpdir(), 'slipway-t-zones-'));
    const dnsEnv = { ...env.env, DNS_ZONES_DIR: zonesDir, DNS_RENDER_DELAY_MS: '0', HOUSEKEEPING_INTERVAL_MS: '1000', DNS_RENDER_SWEEP_AFTER_MS: '2000' };
    api = await startApi(dnsEnv);
    worker = await startWorker(dnsEnv);
    client = new ApiClient(api.url, env.bootstrapToken);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    await redis?.destroy();
    await rm(zonesDir, { recursive: true, force: true });
  });

  const zone = async () => (await client.request<Zone>('GET', '/api/v1/dns/zones/redis.test')).body;

  it('a change made while Redis is down is served once it is back', { timeout: 120_000 }, async () => {
    expect((await client.request('POST', '/api/v1/dns/zones', { name: 'redis.test', primaryNs: 'ns1.example.net.', hostmaster: 'hostmaster@redis.test' })).status).toBe(201);
    await waitFor('the zone rendered', async () => ((await zone()).renderStatus === 'rendered' ? true : undefined));

    await redis.stop();
    const created = await client.request('POST', '/api/v1/dns/zones/redis.test/records', { name: 'during', type: 'A', value: '192.0.2.66' });
    expect(created.status, created.text).toBe(201);
    await redis.start();

    const served = await waitFor('the change to be served', async () => {
      const z = await zone();
      return z.renderedVersion === z.version ? z : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- worker ---\n${worker.output.slice(-4000)}`);
    });
    expect(served.renderStatus).toBe('rendered');
    expect(await readFile(join(zonesDir, 'redis.test.zone'), 'utf8')).toContain('during 3600 IN A 192.0.2.66');
    expect(worker.jsonLines().filter((line) => Number(line.level) >= 50), worker.output).toEqual([]);
  });
});
