import { parseZoneFile, txtText } from './zone-import.js';

// Against Debian's real named-checkzone, which does the reading.
const FILE = `$ORIGIN example.test.
$TTL 600
@ IN SOA ns1.example.net. hostmaster ( 5 3600 600 1209600 300 )
  IN NS ns1.example.net.
  IN MX 10 mail.example.net.
www 300 IN A 192.0.2.1
www IN AAAA 2001:db8::1
txt IN TXT "hello " "w\\195\\182rld" "a\\"b"
_sip._tcp IN SRV 10 5 5060 sip.example.net.
caa IN CAA 0 issue "letsencrypt.org"
alias IN CNAME www
host IN HINFO "pc" "linux"
`;

describe('parseZoneFile with named-checkzone', () => {
  it('reads every record, relative to the zone, SOA left out, unmanaged types listed', async () => {
    const parsed = await parseZoneFile('named-checkzone', 'example.test', 'ns0.example.net.', FILE);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.records.map(({ name, type, ttl, value }) => ({ name, type, ttl, value }))).toEqual(
      expect.arrayContaining([
        { name: '@', type: 'NS', ttl: 600, value: 'ns1.example.net.' },
        { name: '@', type: 'MX', ttl: 600, value: '10 mail.example.net.' },
        { name: 'www', type: 'A', ttl: 300, value: '192.0.2.1' },
        { name: 'www', type: 'AAAA', ttl: 600, value: '2001:db8::1' },
        { name: 'txt', type: 'TXT', ttl: 600, value: 'hello wörld' + 'a"b' },
        { name: '_sip._tcp', type: 'SRV', ttl: 600, value: '10 5 5060 sip.example.net.' },
        { name: 'caa', type: 'CAA', ttl: 600, value: '0 issue "letsencrypt.org"' },
        { name: 'alias', type: 'CNAME', ttl: 600, value: 'www.example.test.' },
      ]),
    );
    expect(parsed.records).toHaveLength(8);
    expect(parsed.skipped).toEqual([expect.stringContaining('HINFO')]);
  });

  it('refuses a file BIND cannot load, naming the line', async () => {
    const parsed = await parseZoneFile('named-checkzone', 'example.test', 'ns0.example.net.', `${FILE}bad IN A 1.2.3\n`);
    expect(parsed).toMatchObject({ ok: false, message: expect.stringMatching(/line 13: .*bad dotted quad/) });
  });

  it('gives each record the line it starts on in the file (Slipway\'s own checks name it)', async () => {
    const parsed = await parseZoneFile('named-checkzone', 'example.test', 'ns0.example.net.', FILE);
    if (!parsed.ok) throw new Error(parsed.message);
    const lineOf = (name: string, type: string) => parsed.records.find((r) => r.name === name && r.type === type)?.line;
    expect([lineOf('@', 'NS'), lineOf('@', 'MX'), lineOf('www', 'A'), lineOf('www', 'AAAA'), lineOf('txt', 'TXT'), lineOf('alias', 'CNAME')]).toEqual([4, 5, 6, 7, 8, 11]);
    // In file order, so a rule between two records is reported at the later one.
    expect(parsed.records.map((r) => r.line)).toEqual([...parsed.records.map((r) => r.line)].sort((a, b) => (a ?? 0) - (b ?? 0)));
  });

  it('refuses $INCLUDE (it would read files of the API host)', async () => {
    expect(await parseZoneFile('named-checkzone', 'example.test', 'ns0.example.net.', `$INCLUDE /etc/passwd\n${FILE}`)).toMatchObject({ ok: false });
  });

  it('reads TXT escapes back to the text', () => {
    expect(txtText('"a\\\\b" "\\"q\\""')).toBe('a\\b"q"');
  });
});
