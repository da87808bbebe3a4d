import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlipwayConfig } from '@slipway/config';
import { AuditWriter } from '@slipway/db';
import { DnsStore, ZoneRenderer } from '@slipway/dns';
import { type MediumDb, createMediumDb } from './support/medium-db.js';

let db: MediumDb;
let store: DnsStore;
let zonesDir: string;
const renderer = (maxWaitMs = 60_000) =>
  new ZoneRenderer(db.uow, { workerId: 'medium', dns: { zonesDir, checkzoneBin: 'named-checkzone', reloadArgv: [], renderConcurrency: 1, renderDelayMs: 0, renderMaxWaitMs: maxWaitMs, renderSweepAfterMs: 1_000 } } as unknown as SlipwayConfig);

beforeAll(async () => {
  db = await createMediumDb('dns_store');
  store = new DnsStore(db.uow, new AuditWriter(db.uow));
  zonesDir = await mkdtemp(join(tmpdir(), 'slipway-m-zones-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(zonesDir, { recursive: true, force: true });
});

async function zone(name: string) {
  const created = await store.createZone({ name, primaryNs: 'ns1.example.net.', hostmaster: `hostmaster@${name}` }, 'alice');
  if (!created.ok) throw new Error(JSON.stringify(created.refusal));
  return created.value;
}

describe('DnsStore (medium: real MariaDB)', () => {
  it('a CNAME and an A created at one name at the same moment: exactly one is taken', async () => {
    await zone('race.test');
    for (let round = 0; round < 10; round++) {
      const [a, cname] = await Promise.all([
        store.createRecord('race.test', { name: `n${round}`, type: 'A', value: '192.0.2.1' }, 'alice'),
        store.createRecord('race.test', { name: `n${round}`, type: 'CNAME', value: 'web.example.net' }, 'bob'),
      ]);
      expect([a.ok, cname.ok].filter(Boolean), `round ${round}`).toHaveLength(1);
    }
  });

  it('a refused change changes nothing: no row, no version, no audit entry', async () => {
    const z = await zone('refuse.test');
    const audits = async () => (await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM audit_entries WHERE action LIKE 'dns.%'"))[0].n;
    const before = await audits();
    const refused = await store.createRecord('refuse.test', { name: '@', type: 'CNAME', value: 'web.example.net' }, 'alice');
    expect(refused).toMatchObject({ ok: false, refusal: { kind: 'invalid', problems: [{ field: 'name' }] } });
    expect((await store.findZone('refuse.test'))!.version).toBe(z.version);
    expect(await store.listRecords(z.id)).toEqual([]);
    expect(await audits()).toBe(before);
  });

  it('an import refused by Slipway\'s own checks names the zone file line, the record and the field', async () => {
    const z = await zone('import-lines.test');
    const refused = await store.replaceRecords(
      'import-lines.test',
      [
        { name: 'www', type: 'A', ttl: 300, value: '192.0.2.1', text: 'www 300 A 192.0.2.1', line: 7 },
        { name: 'www', type: 'CNAME', ttl: 300, value: 'web.example.net.', text: 'www 300 CNAME web.example.net.', line: 12 },
        { name: 'sip', type: 'SRV', ttl: 300, value: '10 5 5060 sip.example.net.', text: 'sip 300 SRV 10 5 5060 sip.example.net.', line: 14 },
      ],
      'alice',
    );
    expect(refused).toMatchObject({
      ok: false,
      refusal: {
        kind: 'invalid',
        problems: [
          { field: 'zoneFile', message: expect.stringMatching(/^zoneFile: line 12: www 300 CNAME web\.example\.net\.: type: a CNAME cannot share the name "www" with A data/) },
          { field: 'zoneFile', message: expect.stringMatching(/^zoneFile: line 14: sip 300 SRV .*: name of an SRV record must start with _service\._proto/) },
        ],
      },
    });
    expect(await store.listRecords(z.id)).toEqual([]);
  });

  it('a zone waiting on a reload release that is no longer stored reads reload-failed, saying so', async () => {
    const z = await zone('gone-release.test');
    await db.query("UPDATE dns_zones SET render_status = 'reload-pending', render_message = 'installed serial 2026120701; reload release 999999 launched', reload_release_id = 999999 WHERE id = ?", [z.id]);
    expect(await store.findZone('gone-release.test')).toMatchObject({
      renderStatus: 'reload-failed',
      renderMessage: expect.stringContaining('no longer stored'),
      reloadReleaseId: 999999,
    });
  });

  it('an update with a stale version is refused and the record is unchanged', async () => {
    await zone('etag.test');
    const created = await store.createRecord('etag.test', { name: 'www', type: 'A', value: '192.0.2.1' }, 'alice');
    if (!created.ok) throw new Error('not created');
    expect((await store.updateRecord('etag.test', created.value.id, 1, { value: '192.0.2.2' }, 'alice')).ok).toBe(true);
    const stale = await store.updateRecord('etag.test', created.value.id, 1, { value: '192.0.2.3' }, 'bob');
    expect(stale).toMatchObject({ ok: false, refusal: { kind: 'version-mismatch', current: 2 } });
    expect((await store.findRecord(created.value.zoneId, created.value.id))!.value).toBe('192.0.2.2');
  });
});

describe('ZoneRenderer (medium: real MariaDB, real named-checkzone)', () => {
  it('an old job leaves the render to the newest one; the newest renders everything committed', async () => {
    const z = await zone('render.test');
    let version = z.version;
    for (let i = 0; i < 5; i++) {
      const c = await store.createRecord('render.test', { name: `h${i}`, type: 'A', value: `192.0.2.${i + 1}` }, 'alice');
      if (!c.ok) throw new Error('not created');
      version = c.zoneVersion;
    }
    expect(await renderer().render(z.id, version - 1)).toEqual({ kind: 'superseded', version: version - 1 });
    const rendered = await renderer().render(z.id, version);
    expect(rendered).toMatchObject({ kind: 'rendered', version });
    const file = await readFile(join(zonesDir, 'render.test.zone'), 'utf8');
    for (let i = 0; i < 5; i++) expect(file).toContain(`h${i} 3600 IN A 192.0.2.${i + 1}`);
    expect(await renderer().render(z.id, version)).toEqual({ kind: 'up-to-date', version });
  });

  it('a stale job still renders once the oldest unrendered change has waited past the maximum', async () => {
    const z = await zone('steady.test');
    const c = await store.createRecord('steady.test', { name: 'a', type: 'A', value: '192.0.2.1' }, 'alice');
    if (!c.ok) throw new Error('not created');
    expect(await renderer(0).render(z.id, 1)).toMatchObject({ kind: 'rendered', version: c.zoneVersion });
  });

  it('serials only go up, one per render, past 99 in a day', async () => {
    const z = await zone('serial.test');
    await db.query('UPDATE dns_zones SET serial = ? WHERE id = ?', [Number(new Date().toISOString().slice(0, 10).replaceAll('-', '')) * 100 + 99, z.id]);
    const serials: number[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await store.createRecord('serial.test', { name: `s${i}`, type: 'A', value: '192.0.2.1' }, 'alice');
      if (!c.ok) throw new Error('not created');
      const r = await renderer().render(z.id, c.zoneVersion);
      if (r.kind !== 'rendered') throw new Error(JSON.stringify(r));
      serials.push(r.serial);
    }
    expect(serials[1] - serials[0]).toBe(1);
    expect(serials[2] - serials[1]).toBe(1);
    expect(serials[0] % 100).toBe(0); // 99 + 1: into the next day's numbers, still increasing
  });

  it('one render of a zone at a time: a second renderer finds the lease held', async () => {
    const z = await zone('lease.test');
    await db.query("UPDATE dns_zones SET render_owner = 'other', render_lease_until = NOW(3) + INTERVAL 60 SECOND WHERE id = ?", [z.id]);
    expect(await renderer().render(z.id, z.version)).toEqual({ kind: 'busy' });
    await db.query('UPDATE dns_zones SET render_lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [z.id]);
    expect(await renderer().render(z.id, z.version)).toMatchObject({ kind: 'rendered' });
  });

  it('finds a zone left behind (its job was lost), and not a version the checker refused', async () => {
    const z = await zone('sweep.test');
    const c = await store.createRecord('sweep.test', { name: 'lost', type: 'A', value: '192.0.2.9' }, 'alice');
    if (!c.ok) throw new Error('not created');
    // No job ran: the change has waited past the sweep's threshold.
    await db.query('UPDATE dns_zones SET dirty_since = NOW(3) - INTERVAL 5 SECOND WHERE id = ?', [z.id]);
    expect(await renderer().zonesBehind()).toContainEqual({ zoneId: z.id, version: c.zoneVersion });
    expect(await renderer().render(z.id, c.zoneVersion)).toMatchObject({ kind: 'rendered' });
    expect(await renderer().zonesBehind()).not.toContainEqual(expect.objectContaining({ zoneId: z.id }));

    const bad = await store.createRecord('sweep.test', { name: '@', type: 'NS', value: 'ns9.sweep.test' }, 'alice');
    if (!bad.ok) throw new Error('not created');
    expect(await renderer().render(z.id, bad.zoneVersion)).toMatchObject({ kind: 'failed' });
    await db.query('UPDATE dns_zones SET dirty_since = NOW(3) - INTERVAL 5 SECOND WHERE id = ?', [z.id]);
    expect(await renderer().zonesBehind()).not.toContainEqual(expect.objectContaining({ zoneId: z.id }));
  });
});
