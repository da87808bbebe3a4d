import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../support/api-client.js';
import { PrivateNamed } from '../support/private-named.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';

interface Zone {
  id: number;
  name: string;
  version: number;
  renderStatus: string;
  renderMessage: string | null;
  renderedVersion: number | null;
  serial: number | null;
  reloadRelease: { template: string; inventory?: string; vars?: Record<string, unknown> } | null;
  reloadReleaseId: number | null;
}
interface ErrorBody {
  message: string;
  errors?: { field: string; message: string }[];
}

const ZONE = 'ship.test';
const BURST = 'burst.test';

/**
 * The reload step as a catalog release (issue 24, item 2): the worker renders into a staging directory
 * (DNS_ZONES_DIR) that named does not read; the zone's reload release (examples' dns-ship-zone, the real
 * ansible-playbook) copies the file into named's directory and reloads it with rndc; dig then answers.
 */
describe('DNS reload through a catalog release', () => {
  let env: TestEnv;
  let named: PrivateNamed;
  let staging: string;
  let api: RunningApi;
  let worker: ServiceProcess;
  let admin: ApiClient;
  let deployer: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('dnsreload');
    named = await PrivateNamed.start([ZONE, BURST]);
    staging = await mkdtemp(join(tmpdir(), 'slipway-dns-staging-'));
    const dnsEnv = { ...env.env, DNS_ZONES_DIR: staging, DNS_RENDER_DELAY_MS: '200', DNS_RENDER_MAX_WAIT_MS: '3000' };
    api = await startApi(dnsEnv);
    worker = await startWorker(dnsEnv);
    admin = new ApiClient(api.url, env.bootstrapToken);
    deployer = new ApiClient(api.url, await createToken(admin, 'dnsreload-deployer', 'deployer'));
    for (const name of [ZONE, BURST]) {
      expect((await admin.request('POST', '/api/v1/dns/zones', { name, primaryNs: 'ns1.example.net.', hostmaster: `hostmaster@${name}` })).status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await named?.stop();
    await env?.cleanup();
    if (staging) await rm(staging, { recursive: true, force: true });
  });

  const zone = async (name = ZONE) => (await admin.request<Zone>('GET', `/api/v1/dns/zones/${name}`)).body;
  const shipping = (targetDir = named.zonesDir) => ({
    template: 'dns-ship-zone',
    inventory: 'local',
    vars: { dns_target_dir: targetDir, dns_rndc_port: named.controlPort, dns_rndc_key: join(named.dir, 'rndc.key') },
  });
  const settled = (name: string, status: string) =>
    waitFor(`zone ${name} ${status} up to its version`, async () => {
      const z = await zone(name);
      return z.renderedVersion === z.version && z.renderStatus === status ? z : undefined;
    }, { timeoutMs: 180_000, intervalMs: 200 });
  const reloadReleases = async (name: string) =>
    (await queryDb<{ id: number; status: string }>(env.databaseUrl, "SELECT id, status FROM releases WHERE template = 'dns-ship-zone' AND requested_by = ? ORDER BY id", [`dns zone ${name}`]));

  it('a bad setting is a 400 naming the field, and the zone keeps its setting', { timeout: 30_000 }, async () => {
    const put = (body: unknown, client = admin) => client.request<ErrorBody>('PUT', `/api/v1/dns/zones/${ZONE}/reload-release`, body);
    const fieldsOf = async (body: unknown) => ((await put(body)).body.errors ?? []).map((e) => e.field);

    expect(await fieldsOf({ template: 'no-such-template' })).toContain('template');
    // hello does not declare dns_zone, dns_zone_file, dns_serial.
    const undeclared = await put({ template: 'hello' });
    expect(undeclared.status).toBe(400);
    expect(undeclared.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'template', message: expect.stringContaining('dns_zone_file') })]));
    expect(await fieldsOf({ template: 'dns-ship-zone', inventory: 'prod', vars: { dns_target_dir: '/tmp' } })).toContain('inventory');
    expect(await fieldsOf({ template: 'dns-ship-zone', vars: { dns_target_dir: 'relative/dir' } })).toContain('vars.dns_target_dir');
    expect(await fieldsOf({ template: 'dns-ship-zone', vars: {} })).toContain('vars.dns_target_dir');
    expect(await fieldsOf({ template: 'dns-ship-zone', vars: { dns_target_dir: '/tmp', dns_rndc_port: 'x' } })).toContain('vars.dns_rndc_port');
    expect(await fieldsOf({ template: 'dns-ship-zone', vars: { dns_target_dir: '/tmp', dns_serial: 1 } })).toContain('vars.dns_serial');
    expect(await fieldsOf({ template: 'dns-ship-zone', vars: { dns_target_dir: '/tmp', ansible_shell_executable: '/bin/sh' } })).toContain('vars.ansible_shell_executable');
    expect(await fieldsOf({ template: 'dns-ship-zone', vars: { dns_target_dir: '/tmp' }, extra: 1 })).toContain('extra');
    // Admins only: a deployer cannot choose what the worker launches.
    expect((await put(shipping(), deployer)).status).toBe(403);
    expect((await zone()).reloadRelease).toBeNull();
  });

  it('a render installs into staging; the release ships it to named (reload pending, then rendered)', { timeout: 300_000 }, async () => {
    const set = await admin.request<Zone>('PUT', `/api/v1/dns/zones/${ZONE}/reload-release`, shipping());
    expect(set.status).toBe(200);
    expect(set.body.reloadRelease).toMatchObject({ template: 'dns-ship-zone', inventory: 'local' });
    expect((await deployer.request('POST', `/api/v1/dns/zones/${ZONE}/records`, { name: 'www', type: 'A', value: '192.0.2.80' })).status).toBe(201);
    // The file's text passes through a playbook: Jinja in a record must arrive as text, never be evaluated.
    expect((await deployer.request('POST', `/api/v1/dns/zones/${ZONE}/records`, { name: 'tmpl', type: 'TXT', value: '{{ 7 * 7 }}' })).status).toBe(201);

    // An ansible run takes seconds; the zone says so meanwhile.
    const pending = await waitFor('the zone waiting on its reload release', async () => {
      const z = await zone();
      return z.reloadReleaseId !== null && z.renderStatus === 'reload-pending' ? z : undefined;
    }, { timeoutMs: 120_000, intervalMs: 50 });
    expect(pending.renderMessage).toContain(`reload release ${pending.reloadReleaseId}`);

    const done = await settled(ZONE, 'rendered');
    expect(done.renderMessage).toBeNull();
    // The release the last render launched or joined (a second render may have joined the first one's).
    const release = await admin.waitForRelease(done.reloadReleaseId!, ['succeeded', 'failed'], 180_000);
    expect(release.status).toBe('succeeded');
    expect(release.requestedBy).toBe(`dns zone ${ZONE}`);
    expect(release.extraVars).toMatchObject({ dns_zone: ZONE, dns_zone_file: join(staging, `${ZONE}.zone`), dns_target_dir: named.zonesDir });
    expect((release.extraVars as { dns_serial: number }).dns_serial).toBeLessThanOrEqual(done.serial!);
    expect(await readFile(join(named.zonesDir, `${ZONE}.zone`), 'utf8')).toBe(await readFile(join(staging, `${ZONE}.zone`), 'utf8'));
    await waitFor('named to serve the shipped records', async () => (await named.dig(`www.${ZONE}`, 'A'))[0] === '192.0.2.80', { timeoutMs: 10_000 });
    expect(await named.serial(ZONE)).toBe(done.serial);
    expect(await named.dig(`tmpl.${ZONE}`, 'TXT')).toEqual(['"{{ 7 * 7 }}"']);
    const audit = await queryDb<{ actor: string }>(env.databaseUrl, "SELECT actor FROM audit_entries WHERE action = 'release.create' AND target_type = 'release' AND target_id = ?", [release.id]);
    expect(audit.map((a) => a.actor)).toEqual([`dns zone ${ZONE}`]);
    const history = (await admin.request<{ renders: { status: string; releaseId: number | null }[] }>('GET', `/api/v1/dns/zones/${ZONE}/renders`)).body;
    expect(history.renders[0]).toMatchObject({ status: 'rendered', releaseId: release.id });
  });

  it('a failing reload release makes the zone reload-failed, naming the release; named keeps the old file', { timeout: 300_000 }, async () => {
    const before = await named.serial(ZONE);
    const missingDir = join(named.dir, 'no-such-dir');
    expect((await admin.request('PUT', `/api/v1/dns/zones/${ZONE}/reload-release`, shipping(missingDir))).status).toBe(200);
    expect((await deployer.request('POST', `/api/v1/dns/zones/${ZONE}/records`, { name: 'mail', type: 'A', value: '192.0.2.81' })).status).toBe(201);
    const failed = await settled(ZONE, 'reload-failed');
    expect(failed.reloadReleaseId).not.toBeNull();
    expect((await admin.request<{ status: string }>('GET', `/api/v1/releases/${failed.reloadReleaseId}`)).body.status).toBe('failed');
    expect(failed.renderMessage).toContain(`reload release ${failed.reloadReleaseId} failed`);
    expect(failed.renderMessage).toContain(`installed serial ${failed.serial}`);
    expect(await named.serial(ZONE)).toBe(before);
    expect(await named.dig(`mail.${ZONE}`, 'A')).toEqual([]);

    // Back to a working setting: the next change ships everything.
    expect((await admin.request('PUT', `/api/v1/dns/zones/${ZONE}/reload-release`, shipping())).status).toBe(200);
    expect((await deployer.request('POST', `/api/v1/dns/zones/${ZONE}/records`, { name: 'ftp', type: 'A', value: '192.0.2.82' })).status).toBe(201);
    await settled(ZONE, 'rendered');
    await waitFor('named to serve both records', async () => (await named.dig(`mail.${ZONE}`, 'A'))[0] === '192.0.2.81' && (await named.dig(`ftp.${ZONE}`, 'A'))[0] === '192.0.2.82', { timeoutMs: 10_000 });
  });

  it('renders in a row launch few releases: a render joins the reload release still queued', { timeout: 300_000 }, async () => {
    expect((await admin.request('PUT', `/api/v1/dns/zones/${BURST}/reload-release`, shipping())).status).toBe(200);
    const renders = async () => Number((await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM dns_renders d JOIN dns_zones z ON z.id = d.zone_id WHERE z.name = ?', [BURST]))[0].n);
    const rendersBefore = await renders();
    // Each change waits for its own render, so every change makes a render, each of which would launch a
    // release if nothing coalesced (an ansible run takes far longer than a render).
    const changes = 16;
    for (let i = 0; i < changes; i++) {
      const created = await deployer.request('POST', `/api/v1/dns/zones/${BURST}/records`, { name: `h${i}`, type: 'A', value: `198.51.100.${i + 1}` });
      expect(created.status).toBe(201);
      const version = (await zone(BURST)).version;
      await waitFor(`render of ${BURST} version ${version}`, async () => ((await zone(BURST)).renderedVersion ?? 0) >= version, { timeoutMs: 30_000, intervalMs: 20 });
    }
    await settled(BURST, 'rendered').catch(async (error: unknown) => {
      console.log('zone and releases when the wait ran out:', JSON.stringify(await zone(BURST)), JSON.stringify(await queryDb(env.databaseUrl, "SELECT id, status, reason, lock_key FROM releases ORDER BY id")));
      throw error;
    });
    await waitFor('named to serve the last change', async () => (await named.dig(`h${changes - 1}.${BURST}`, 'A'))[0] === `198.51.100.${changes}`, { timeoutMs: 10_000 });
    const launched = await reloadReleases(BURST);
    const made = (await renders()) - rendersBefore;
    console.log(`${changes} changes: ${made} renders, ${launched.length} reload releases`);
    expect(made).toBeGreaterThanOrEqual(changes);
    // At most one reload release of the zone runs and one waits: the renders meanwhile join the waiting one.
    expect(launched.length).toBeGreaterThanOrEqual(1);
    expect(launched.length).toBeLessThanOrEqual(Math.ceil(made / 2));
    expect(launched.every((r) => r.status === 'succeeded')).toBe(true);
  });
});
