import { checkAgainstZone, checkRecord, checkZone, type DnsRecordData } from './record-rules.js';
import { MAX_TTL, MIN_TTL } from './ttl.js';

const zone = 'example.com';
const fields = (r: ReturnType<typeof checkRecord>) => (r.ok ? [] : r.problems.map((p) => p.field));

describe('checkRecord', () => {
  it('answers a canonical record', () => {
    expect(checkRecord(zone, { name: 'WWW.example.com.', type: 'A', ttl: 300, value: ' 192.0.2.1 ' })).toEqual({
      ok: true,
      record: { name: 'www', type: 'A', ttl: 300, value: '192.0.2.1' },
    });
  });

  it('holds the TTL bounds at and past each end', () => {
    expect(checkRecord(zone, { name: 'a', type: 'A', ttl: MIN_TTL, value: '192.0.2.1' }).ok).toBe(true);
    expect(checkRecord(zone, { name: 'a', type: 'A', ttl: MAX_TTL, value: '192.0.2.1' }).ok).toBe(true);
    expect(fields(checkRecord(zone, { name: 'a', type: 'A', ttl: MIN_TTL - 1, value: '192.0.2.1' }))).toEqual(['ttl']);
    expect(fields(checkRecord(zone, { name: 'a', type: 'A', ttl: MAX_TTL + 1, value: '192.0.2.1' }))).toEqual(['ttl']);
    expect(fields(checkRecord(zone, { name: 'a', type: 'A', ttl: 300.5, value: '192.0.2.1' }))).toEqual(['ttl']);
    expect(fields(checkRecord(zone, { name: 'a', type: 'A', ttl: '300', value: '192.0.2.1' }))).toEqual(['ttl']);
  });

  it('names every bad field at once', () => {
    expect(fields(checkRecord(zone, { name: 'x.example.org.', type: 'A', ttl: 1, value: 'nope' }))).toEqual(['name', 'ttl', 'value']);
    expect(fields(checkRecord(zone, { name: 'a', type: 'SOA', value: 'x' }))).toEqual(['type']);
  });

  it('refuses a CNAME at the apex', () => {
    const result = checkRecord(zone, { name: '@', type: 'CNAME', value: 'other.example.net' });
    expect(result).toMatchObject({ ok: false, problems: [{ field: 'name', message: expect.stringContaining('apex') }] });
  });

  it('wants SRV owners to be _service._proto names', () => {
    expect(checkRecord(zone, { name: '_sip._tcp', type: 'SRV', value: '10 5 5060 sip.example.com' }).ok).toBe(true);
    expect(fields(checkRecord(zone, { name: 'sip', type: 'SRV', value: '10 5 5060 sip.example.com' }))).toEqual(['name']);
  });
});

describe('checkAgainstZone: CNAME and other data', () => {
  const a: DnsRecordData = { name: 'www', type: 'A', ttl: 300, value: '192.0.2.1' };
  const cname: DnsRecordData = { name: 'www', type: 'CNAME', ttl: 300, value: 'web.example.net.' };

  it('refuses a CNAME where other data is, and other data where a CNAME is', () => {
    expect(checkAgainstZone(cname, [a])[0]?.message).toContain('cannot share');
    expect(checkAgainstZone(a, [cname])[0]?.message).toContain('already has a CNAME');
    expect(checkAgainstZone({ ...a, type: 'TXT', value: 'x' }, [cname])).toHaveLength(1);
  });

  it('refuses a second CNAME at one name and an exact duplicate', () => {
    expect(checkAgainstZone({ ...cname, value: 'other.example.net.' }, [cname])[0]?.message).toContain('another CNAME');
    expect(checkAgainstZone(a, [a])[0]?.field).toBe('value');
  });

  it('takes records at other names and other values at one name', () => {
    expect(checkAgainstZone(cname, [{ ...a, name: 'api' }])).toEqual([]);
    expect(checkAgainstZone({ ...a, value: '192.0.2.2' }, [a])).toEqual([]);
  });
});

describe('checkZone', () => {
  it('answers the SOA names absolute and a mail address as a mailbox name', () => {
    expect(checkZone({ name: 'Example.com.', primaryNs: 'ns1.example.com', hostmaster: 'hostmaster@example.com' })).toEqual({
      ok: true,
      zone: { name: 'example.com', primaryNs: 'ns1.example.com.', hostmaster: 'hostmaster.example.com.' },
    });
  });
  it('names each bad field', () => {
    const result = checkZone({ name: 'bad..zone', primaryNs: 'ns1', hostmaster: 'first.last@example.com' });
    expect(result.ok ? [] : result.problems.map((p) => p.field)).toEqual(['name', 'primaryNs', 'hostmaster']);
  });
});
