import { checkDomainName, checkOwnerName, checkTargetName } from './names.js';

const label = (n: number) => 'a'.repeat(n);
/** A name of exactly `length` characters made of 63-character labels. */
function nameOf(length: number): string {
  const labels: string[] = [];
  let left = length;
  while (left > 0) {
    const size = Math.min(63, left - (labels.length ? 0 : 0));
    labels.push(label(size));
    left -= size + 1;
  }
  const name = labels.join('.');
  return name.slice(0, length).replace(/\.$/, 'a');
}

describe('domain names (RFC 1035 / 1123)', () => {
  it('takes a 63-octet label and refuses a 64-octet one', () => {
    expect(checkDomainName(`${label(63)}.example.com`)).toEqual({ ok: true, name: `${label(63)}.example.com` });
    const refused = checkDomainName(`${label(64)}.example.com`);
    expect(refused).toMatchObject({ ok: false, message: expect.stringContaining('at most 63') });
  });

  it('takes a 253-character name and refuses 254, with or without the final dot', () => {
    const at = nameOf(253);
    expect(at).toHaveLength(253);
    expect(checkDomainName(at).ok).toBe(true);
    expect(checkDomainName(`${at}.`).ok).toBe(true);
    const past = nameOf(254);
    expect(past).toHaveLength(254);
    expect(checkDomainName(past)).toMatchObject({ ok: false, message: expect.stringContaining('at most 253') });
  });

  it.each([
    ['empty label', 'a..example.com'],
    ['leading dot', '.example.com'],
    ['leading hyphen', '-a.example.com'],
    ['trailing hyphen', 'a-.example.com'],
    ['space', 'a b.example.com'],
    ['underscore in a host name', 'a_b.example.com'],
    ['non-ASCII (needs punycode)', 'bücher.example.com'],
    ['wildcard not leftmost', 'a.*.example.com'],
    ['root only', '.'],
  ])('refuses %s', (_what, name) => {
    expect(checkDomainName(name, { underscore: false }).ok).toBe(false);
  });

  it('takes a leading digit (RFC 1123) and folds case', () => {
    expect(checkDomainName('3COM.Example.COM.')).toEqual({ ok: true, name: '3com.example.com' });
  });
});

describe('owner names', () => {
  const zone = 'example.com';
  it('answers names relative to the zone', () => {
    expect(checkOwnerName('@', zone)).toEqual({ ok: true, name: '@' });
    expect(checkOwnerName('example.com.', zone)).toEqual({ ok: true, name: '@' });
    expect(checkOwnerName('WWW', zone)).toEqual({ ok: true, name: 'www' });
    expect(checkOwnerName('www.example.com.', zone)).toEqual({ ok: true, name: 'www' });
    expect(checkOwnerName('_sip._tcp', zone)).toEqual({ ok: true, name: '_sip._tcp' });
    expect(checkOwnerName('*.dev', zone)).toEqual({ ok: true, name: '*.dev' });
  });

  it('refuses absolute names outside the zone, including look-alike suffixes', () => {
    expect(checkOwnerName('www.example.org.', zone)).toMatchObject({ ok: false, message: expect.stringContaining('outside the zone') });
    expect(checkOwnerName('www.badexample.com.', zone)).toMatchObject({ ok: false, message: expect.stringContaining('outside the zone') });
    expect(checkOwnerName('com.', zone).ok).toBe(false);
  });

  it('counts the zone in the 253-character limit of a relative name', () => {
    const room = 253 - zone.length - 1; // 241 characters left for the relative part
    const fits = `${label(63)}.${label(63)}.${label(63)}.${label(room - 3 * 64)}`;
    expect(fits).toHaveLength(room);
    expect(checkOwnerName(fits, zone).ok).toBe(true);
    expect(checkOwnerName(`a${fits}`, zone).ok).toBe(false);
  });
});

describe('target names', () => {
  it('takes them as absolute with or without the final dot', () => {
    expect(checkTargetName('mail.example.com')).toEqual({ ok: true, name: 'mail.example.com' });
    expect(checkTargetName('mail.example.com.')).toEqual({ ok: true, name: 'mail.example.com' });
  });
  it('refuses a single label (a relative name written by mistake) and underscores', () => {
    expect(checkTargetName('mail')).toMatchObject({ ok: false, message: expect.stringContaining('single label') });
    expect(checkTargetName('_sip.example.com').ok).toBe(false);
  });
});
