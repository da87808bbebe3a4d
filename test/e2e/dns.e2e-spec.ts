import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiClient } from '../support/api-client.js';
import { PrivateNamed } from '../support/private-named.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { startCli } from '../support/cli-runner.js';
import { waitFor } from '../support/wait-for.js';

interface Zone {
  id: number;
  name: string;
  version: number;
  renderStatus: string;
  renderMessage: string | null;
  renderedVersion: number | null;
  serial: number | null;
}
interface DnsRecord {
  id: number;
  name: string;
  type: string;
  ttl: number;
  value: string;
  version: number;
}

const ZONE = 'example.test';
const OTHER = 'other.test';

/**
 * Issue 24 with the real thing: API and worker processes, MariaDB, Redis, named-checkzone, and a real
 * `named` on loopback ports of its own, reloaded by rndc after each render and queried with dig.
 */
describe('DNS records service', () => {
  let env: TestEnv;
  let named: PrivateNamed;
  let api: RunningApi;
  let worker: ServiceProcess;
  let admin: ApiClient;
  let deployer: ApiClient;
  let viewer: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('dns');
    named = await PrivateNamed.start([ZONE, OTHER]);
    const dnsEnv = {
      ...env.env,
      DNS_ZONES_DIR: named.zonesDir,
      DNS_RELOAD_COMMAND: JSON.stringify(named.reloadArgv),
      DNS_RENDER_DELAY_MS: '300',
      DNS_RENDER_MAX_WAIT_MS: '5000',
    };
    api = await startApi(dnsEnv);
    worker = await startWorker(dnsEnv);
    admin = new ApiClient(api.url, env.bootstrapToken);
    deployer = new ApiClient(api.url, await createToken(admin, 'dns-deployer', 'deployer'));
    viewer = new ApiClient(api.url, await createToken(admin, 'dns-viewer', 'viewer'));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await named?.stop();
    await env?.cleanup();
  });

  const zone = async (name = ZONE) => (await viewer.request<Zone>('GET', `/api/v1/dns/zones/${name}`)).body;
  /** Waits until every committed change of the zone is in the file named serves. */
  const served = (name = ZONE) =>
    waitFor(`zone ${name} rendered up to its version`, async () => {
      const z = await zone(name);
      return z.renderedVersion === z.version && z.renderStatus === 'rendered' ? z : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });

  async function addRecord(client: ApiClient, body: Record<string, unknown>, name = ZONE) {
    return client.request<DnsRecord>('POST', `/api/v1/dns/zones/${name}/records`, body);
  }

  it('admins create zones; deployers and viewers cannot', { timeout: 60_000 }, async () => {
    const body = { name: ZONE, primaryNs: 'ns1.example.net.', hostmaster: 'hostmaster@example.test' };
    expect((await deployer.request('POST', '/api/v1/dns/zones', body)).status).toBe(403);
    expect((await viewer.request('POST', '/api/v1/dns/zones', body)).status).toBe(403);
    const created = await admin.request<Zone>('POST', '/api/v1/dns/zones', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: ZONE, renderStatus: 'pending', version: 1 });
    expect((await admin.request('POST', '/api/v1/dns/zones', body)).status).toBe(409);
    expect((await admin.request('POST', '/api/v1/dns/zones', { ...body, name: OTHER })).status).toBe(201);
    const rendered = await served();
    expect(await named.serial(ZONE)).toBe(rendered.serial);
  });

  it('a record created through the API answers from named; a change and a delete follow', { timeout: 60_000 }, async () => {
    expect((await addRecord(viewer, { name: 'www', type: 'A', value: '192.0.2.10' })).status).toBe(403);
    const created = await addRecord(deployer, { name: 'www', type: 'A', ttl: 300, value: '192.0.2.10' });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    await served();
    expect(await named.dig(`www.${ZONE}`, 'A')).toEqual(['192.0.2.10']);

    const txt = 'v=spf1 '.padEnd(600, 'x');
    expect((await addRecord(deployer, { name: '@', type: 'TXT', value: txt })).status).toBe(201);
    expect((await addRecord(deployer, { name: '_sip._tcp', type: 'SRV', value: '10 5 5060 sip.example.net' })).status).toBe(201);
    await served();
    const answered = (await named.dig(ZONE, 'TXT'))[0];
    // dig prints each 255-byte string quoted; joined they are the text.
    expect(answered.match(/"([^"]*)"/g)!.map((s) => s.slice(1, -1)).join('')).toBe(txt);
    expect(await named.dig(`_sip._tcp.${ZONE}`, 'SRV')).toEqual(['10 5 5060 sip.example.net.']);

    const id = created.body.id;
    const changed = await deployer.request<DnsRecord>('PUT', `/api/v1/dns/zones/${ZONE}/records/${id}`, { value: '192.0.2.11' }, { 'if-match': '"1"' });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"2"');
    await served();
    expect(await named.dig(`www.${ZONE}`, 'A')).toEqual(['192.0.2.11']);

    const before = (await zone()).serial!;
    expect((await deployer.request('DELETE', `/api/v1/dns/zones/${ZONE}/records/${id}`, undefined, { 'if-match': '"2"' })).status).toBe(200);
    const after = await served();
    expect(after.serial).toBeGreaterThan(before);
    expect(await named.dig(`www.${ZONE}`, 'A')).toEqual([]);
    expect(await named.serial(ZONE)).toBe(after.serial);
  });

  it('two people editing one record: the second, with the old ETag, gets 412 and changes nothing', { timeout: 30_000 }, async () => {
    const created = (await addRecord(deployer, { name: 'api', type: 'A', value: '192.0.2.20' })).body;
    const path = `/api/v1/dns/zones/${ZONE}/records/${created.id}`;
    const etag = (await viewer.request('GET', path)).headers.get('etag')!;
    expect((await deployer.request('PUT', path, { value: '192.0.2.21' }, { 'if-match': etag })).status).toBe(200);
    const second = await admin.request<{ message: string }>('PUT', path, { value: '192.0.2.22' }, { 'if-match': etag });
    expect(second.status).toBe(412);
    expect((await deployer.request('PUT', path, { value: '192.0.2.23' })).status).toBe(428);
    expect((await deployer.request('DELETE', path, undefined, { 'if-match': etag })).status).toBe(412);
    expect((await viewer.request<DnsRecord>('GET', path)).body.value).toBe('192.0.2.21');
  });

  it('every change is audited with who, before and after', { timeout: 30_000 }, async () => {
    const entries = await queryDb<{ actor: string; action: string; details: string | Record<string, unknown> }>(
      env.databaseUrl,
      "SELECT actor, action, details FROM audit_entries WHERE action LIKE 'dns.%' ORDER BY id",
    );
    const update = entries.find((e) => e.action === 'dns.record.update')!;
    const details = typeof update.details === 'string' ? (JSON.parse(update.details) as Record<string, unknown>) : update.details;
    expect(update.actor).toBe('dns-deployer');
    expect(details).toMatchObject({ zone: ZONE, before: { name: 'www', type: 'A', value: '192.0.2.10' }, after: { name: 'www', type: 'A', value: '192.0.2.11' } });
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['dns.zone.create', 'dns.record.create', 'dns.record.update', 'dns.record.delete']));
  });

  it('bad input: a 400 naming the field, and nothing changes', { timeout: 30_000 }, async () => {
    const versionBefore = (await zone()).version;
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x.example.org.', type: 'A', value: '192.0.2.1' }, 'name'],
      [{ name: 'a', type: 'A', value: '192.0.2.256' }, 'value'],
      [{ name: 'a', type: 'A', ttl: 10, value: '192.0.2.1' }, 'ttl'],
      [{ name: 'a', type: 'SOA', value: 'x' }, 'type'],
      [{ name: '@', type: 'CNAME', value: 'web.example.net' }, 'name'],
      [{ name: 'api', type: 'CNAME', value: 'web.example.net' }, 'type'],
      [{ name: `${'a'.repeat(64)}`, type: 'A', value: '192.0.2.1' }, 'name'],
      [{ name: 'm', type: 'MX', value: '65536 mail.example.net' }, 'value'],
      [{ name: 'a', type: 'A', value: '192.0.2.1', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const answer = await addRecord(deployer, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect((answer.body as unknown as { errors: { field: string }[] }).errors.map((e) => e.field), JSON.stringify(body)).toContain(field);
    }
    expect((await zone()).version).toBe(versionBefore);
  });

  it('a zone the checker refuses never reaches named: the old file keeps serving and the zone says why', { timeout: 60_000 }, async () => {
    expect((await addRecord(deployer, { name: 'keep', type: 'A', value: '192.0.2.30' }, OTHER)).status).toBe(201);
    const good = await served(OTHER);
    const goodFile = await readFile(join(named.zonesDir, `${OTHER}.zone`), 'utf8');
    // An apex NS inside the zone with no address: every record is valid, the zone is not (named-checkzone
    // refuses it, and named would not load it).
    expect((await addRecord(deployer, { name: '@', type: 'NS', value: `ns9.${OTHER}` }, OTHER)).status).toBe(201);
    expect((await addRecord(deployer, { name: 'after', type: 'A', value: '192.0.2.31' }, OTHER)).status).toBe(201);
    const failed = await waitFor('the render to fail', async () => {
      const z = await zone(OTHER);
      return z.renderStatus === 'failed' ? z : undefined;
    });
    expect(failed.renderMessage).toMatch(/ns9\.other\.test/);
    expect(failed.renderedVersion).toBe(good.renderedVersion);
    expect(await readFile(join(named.zonesDir, `${OTHER}.zone`), 'utf8')).toBe(goodFile);
    expect(await named.serial(OTHER)).toBe(good.serial);
    expect(await named.dig(`keep.${OTHER}`, 'A')).toEqual(['192.0.2.30']);
    expect(await named.dig(`after.${OTHER}`, 'A')).toEqual([]);
  });

  it('a burst of 100 changes makes one or two renders and the last one is served', { timeout: 120_000 }, async () => {
    const rendersBefore = (await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM dns_renders r JOIN dns_zones z ON z.id = r.zone_id WHERE z.name = ?', [ZONE]))[0].n;
    await Promise.all(Array.from({ length: 100 }, (_, i) => addRecord(deployer, { name: `burst${i}`, type: 'A', value: `198.51.100.${i + 1}` }).then((a) => expect(a.status).toBe(201))));
    await served();
    const renders = (await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM dns_renders r JOIN dns_zones z ON z.id = r.zone_id WHERE z.name = ?', [ZONE]))[0].n;
    expect(Number(renders) - Number(rendersBefore)).toBeGreaterThanOrEqual(1);
    expect(Number(renders) - Number(rendersBefore)).toBeLessThanOrEqual(2);
    for (const i of [0, 57, 99]) expect(await named.dig(`burst${i}.${ZONE}`, 'A')).toEqual([`198.51.100.${i + 1}`]);
  });

  it('export: the zone as a file named-checkzone accepts; history: its renders, newest first', { timeout: 30_000 }, async () => {
    const z = await served();
    const exported = await viewer.request('GET', `/api/v1/dns/zones/${ZONE}/file`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^text\/dns/);
    expect(exported.text).toContain(`IN SOA ns1.example.net. hostmaster.example.test. ${z.serial} `);
    expect(exported.text).toContain('burst57 3600 IN A 198.51.100.58');
    const history = await viewer.request<{ renders: { serial: number; status: string; zoneVersion: number }[] }>('GET', `/api/v1/dns/zones/${ZONE}/renders`);
    expect(history.body.renders[0]).toMatchObject({ serial: z.serial, status: 'rendered', zoneVersion: z.version });
    const serials = history.body.renders.map((r) => r.serial);
    expect(serials).toEqual([...serials].sort((a, b) => b - a));
  });

  it('import: a zone file becomes the zone\'s records, all or nothing, and named serves it', { timeout: 60_000 }, async () => {
    const path = `/api/v1/dns/zones/${ZONE}/import`;
    const file = ['$ORIGIN example.test.', '$TTL 900', '@ IN SOA ns1.example.net. hostmaster 1 3600 600 1209600 300', 'imported IN A 192.0.2.80', 'mx IN MX 5 mail.example.net.', ''].join('\n');
    const versionBefore = (await zone()).version;
    const badLine = await deployer.request<{ errors: { field: string; message: string }[] }>('POST', path, { zoneFile: `${file}oops IN A 1.2.3\n` });
    expect(badLine.status).toBe(400);
    expect(badLine.body.errors[0]).toMatchObject({ field: 'zoneFile', message: expect.stringMatching(/line 6/) });
    const badRecord = await deployer.request<{ errors: { message: string }[] }>('POST', path, { zoneFile: `${file}short 10 IN A 192.0.2.81\n` });
    expect(badRecord.status).toBe(400);
    expect(badRecord.body.errors[0].message).toMatch(/^zoneFile: line 6: short 10 A 192\.0\.2\.81: ttl must be between/);
    expect((await zone()).version).toBe(versionBefore);
    expect((await viewer.request('POST', path, { zoneFile: file })).status).toBe(403);

    const imported = await deployer.request<{ records: number; skipped: string[] }>('POST', path, { zoneFile: file });
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body).toEqual({ records: 2, skipped: [] });
    await served();
    expect(await named.dig(`imported.${ZONE}`, 'A')).toEqual(['192.0.2.80']);
    expect(await named.dig(`burst0.${ZONE}`, 'A')).toEqual([]);
  });

  it('the CLI adds, changes, lists and removes records with exit codes CI can trust', { timeout: 120_000 }, async () => {
    const cliEnv = { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: deployer.token! };
    const cli = (...args: string[]) => startCli(args, cliEnv).done;
    const added = await cli('dns', 'record', 'add', ZONE, 'cli', 'A', '192.0.2.50', '--ttl', '120', '--wait');
    expect(added.code, added.stderr).toBe(0);
    const id = Number(added.stdout.trim());
    expect(await named.dig(`cli.${ZONE}`, 'A')).toEqual(['192.0.2.50']);
    const listed = await cli('dns', 'record', 'list', ZONE);
    expect(listed.stdout).toMatch(/cli\s+120\s+A\s+192\.0\.2\.50/);
    expect((await cli('dns', 'zone', 'list')).stdout).toMatch(new RegExp(`${ZONE.replace('.', '\\.')}\\s+rendered`));

    const refused = await cli('dns', 'record', 'add', ZONE, 'cli2', 'A', '300.1.1.1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/value/);
    const set = await cli('dns', 'record', 'set', ZONE, String(id), '--value', '192.0.2.51', '--wait');
    expect(set.code, set.stderr).toBe(0);
    expect(await named.dig(`cli.${ZONE}`, 'A')).toEqual(['192.0.2.51']);
    const stale = await cli('dns', 'record', 'set', ZONE, String(id), '--value', '192.0.2.52', '--if-version', '1');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/412/);
    const removed = await cli('dns', 'record', 'rm', ZONE, String(id), '--wait');
    expect(removed.code, removed.stderr).toBe(0);
    expect(await named.dig(`cli.${ZONE}`, 'A')).toEqual([]);
    expect((await startCli(['dns', 'zone', 'list'], { SLIPWAY_URL: api.url }).done).code).toBe(3);

    // Export, then import the exported file: the zone holds the same records (round trip through BIND's parser).
    const before = (await viewer.request<DnsRecord[]>('GET', `/api/v1/dns/zones/${ZONE}/records`)).body.map(({ name, type, ttl, value }) => ({ name, type, ttl, value }));
    const exported = await cli('dns', 'zone', 'export', ZONE);
    expect(exported.code, exported.stderr).toBe(0);
    const file = join(named.dir, 'exported.zone');
    await writeFile(file, exported.stdout);
    const imported = await cli('dns', 'zone', 'import', ZONE, file, '--wait');
    expect(imported.code, imported.stderr).toBe(0);
    const after = (await viewer.request<DnsRecord[]>('GET', `/api/v1/dns/zones/${ZONE}/records`)).body.map(({ name, type, ttl, value }) => ({ name, type, ttl, value }));
    const key = (r: { name: string; type: string; value: string }) => `${r.name} ${r.type} ${r.value}`;
    expect(after.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(before.sort((a, b) => key(a).localeCompare(key(b))));
    await writeFile(file, 'www IN A 1.2.3\n');
    const badFile = await cli('dns', 'zone', 'import', ZONE, file);
    expect(badFile.code).toBe(1);
    expect(badFile.stderr).toMatch(/line 1/);
  });

  it('deleting a zone (admins only) removes its file', { timeout: 60_000 }, async () => {
    expect((await deployer.request('DELETE', `/api/v1/dns/zones/${OTHER}`)).status).toBe(403);
    expect((await admin.request('DELETE', `/api/v1/dns/zones/${OTHER}`)).status).toBe(200);
    await waitFor('the zone file to go', async () => {
      try {
        await readFile(join(named.zonesDir, `${OTHER}.zone`));
        return false;
      } catch {
        return true;
      }
    });
    expect((await viewer.request('GET', `/api/v1/dns/zones/${OTHER}`)).status).toBe(404);
  });
});
