import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsToolMissingError, installZoneFile } from './zone-install.js';
import { renderZoneFile } from './zone-file.js';
import type { DnsRecordData } from './record-rules.js';

// Against Debian's real named-checkzone (bind9-utils).
const zone = { name: 'example.test', primaryNs: 'ns1.example.net.', hostmaster: 'hostmaster.example.test.' };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-zones-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const every: DnsRecordData[] = [
  { name: '@', type: 'A', ttl: 300, value: '192.0.2.1' },
  { name: '@', type: 'AAAA', ttl: 300, value: '2001:db8::1' },
  { name: '@', type: 'MX', ttl: 300, value: '10 mail.example.net.' },
  { name: '@', type: 'CAA', ttl: 300, value: '0 issue "letsencrypt.org"' },
  { name: '@', type: 'NS', ttl: 300, value: 'ns2.example.net.' },
  { name: 'www', type: 'CNAME', ttl: 300, value: 'web.example.net.' },
  { name: '_sip._tcp', type: 'SRV', ttl: 300, value: '10 5 5060 sip.example.net.' },
  { name: '1', type: 'PTR', ttl: 300, value: 'host.example.net.' },
  { name: 'long', type: 'TXT', ttl: 300, value: `${'x'.repeat(300)}"é\\${'y'.repeat(300)}` },
];

describe('installZoneFile with named-checkzone', () => {
  it('installs a zone with every record type and leaves no temporary file', async () => {
    const result = await installZoneFile({ checkzoneBin: 'named-checkzone', zonesDir: dir, zone: zone.name, text: renderZoneFile(zone, every, 2026120700) });
    expect(result).toEqual({ installed: true, path: join(dir, 'example.test.zone') });
    expect(await readdir(dir)).toEqual(['example.test.zone']);
  });

  it('keeps the old file when the checker refuses the new one, and answers the checker message', async () => {
    const live = join(dir, 'example.test.zone');
    await writeFile(live, 'old contents');
    // An in-zone NS target without an address: named-checkzone refuses it.
    const bad = renderZoneFile({ ...zone, primaryNs: 'ns1.example.test.' }, [], 2026120701);
    const result = await installZoneFile({ checkzoneBin: 'named-checkzone', zonesDir: dir, zone: zone.name, text: bad });
    expect(result).toMatchObject({ installed: false, message: expect.stringMatching(/ns1\.example\.test/) });
    expect(await readFile(live, 'utf8')).toBe('old contents');
    expect(await readdir(dir)).toEqual(['example.test.zone']);
  });

  it('says in one line what to install when named-checkzone is missing', async () => {
    const attempt = installZoneFile({ checkzoneBin: '/nonexistent/named-checkzone', zonesDir: dir, zone: zone.name, text: renderZoneFile(zone, [], 1) });
    await expect(attempt).rejects.toBeInstanceOf(DnsToolMissingError);
    await expect(attempt).rejects.toThrow(/^\/nonexistent\/named-checkzone not found: install Debian's bind9-utils/);
  });
});
