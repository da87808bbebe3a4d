import { MAX_TXT_BYTES, parseRecordValue, txtChunks } from './record-values.js';

const value = (r: ReturnType<typeof parseRecordValue>) => (r.ok ? r.value : `ERR ${r.message}`);

describe('record values per type', () => {
  it('A: dotted quads only, no leading zeros, no octet past 255', () => {
    expect(value(parseRecordValue('A', '192.0.2.1'))).toBe('192.0.2.1');
    for (const bad of ['192.0.2.256', '192.0.2', '010.0.0.1', '::1', '192.0.2.1/24', '1.2.3.4.5', 'example.com'])
      expect(parseRecordValue('A', bad).ok, bad).toBe(false);
  });

  it('AAAA: IPv6 only, folded to lower case, no zone index', () => {
    expect(value(parseRecordValue('AAAA', '2001:DB8::1'))).toBe('2001:db8::1');
    for (const bad of ['192.0.2.1', '2001:db8::1::2', 'fe80::1%eth0', '2001:db8:::1', 'g::1'])
      expect(parseRecordValue('AAAA', bad).ok, bad).toBe(false);
  });

  it('MX: priority 0..65535 and an absolute target; null MX only at 0', () => {
    expect(value(parseRecordValue('MX', '10 mail.example.com'))).toBe('10 mail.example.com.');
    expect(value(parseRecordValue('MX', '65535 mail.example.com.'))).toBe('65535 mail.example.com.');
    expect(value(parseRecordValue('MX', '0 .'))).toBe('0 .');
    expect(value(parseRecordValue('MX', '65536 mail.example.com'))).toMatch(/^ERR priority/);
    expect(value(parseRecordValue('MX', '-1 mail.example.com'))).toMatch(/^ERR priority/);
    expect(value(parseRecordValue('MX', '10 .'))).toMatch(/^ERR a null MX/);
    expect(value(parseRecordValue('MX', '10 mail'))).toMatch(/single label/);
    expect(value(parseRecordValue('MX', 'mail.example.com'))).toMatch(/^ERR must be "PRIORITY TARGET"/);
  });

  it('SRV: priority, weight and port each 0..65535', () => {
    expect(value(parseRecordValue('SRV', '10 5 5060 sip.example.com'))).toBe('10 5 5060 sip.example.com.');
    expect(value(parseRecordValue('SRV', '0 0 65535 .'))).toBe('0 0 65535 .');
    expect(value(parseRecordValue('SRV', '10 5 65536 sip.example.com'))).toMatch(/^ERR port/);
    expect(value(parseRecordValue('SRV', '10 70000 1 sip.example.com'))).toMatch(/^ERR weight/);
    expect(value(parseRecordValue('SRV', '1.5 0 1 sip.example.com'))).toMatch(/^ERR priority/);
    expect(value(parseRecordValue('SRV', '10 5 sip.example.com'))).toMatch(/^ERR must be/);
  });

  it('CNAME, NS, PTR: absolute targets with the final dot', () => {
    expect(value(parseRecordValue('CNAME', 'Web.Example.com'))).toBe('web.example.com.');
    expect(value(parseRecordValue('NS', 'ns1.example.net.'))).toBe('ns1.example.net.');
    expect(value(parseRecordValue('PTR', 'host.example.com'))).toBe('host.example.com.');
    expect(parseRecordValue('CNAME', '192.0.2.1.').ok).toBe(true); // a legal, if odd, name
    expect(parseRecordValue('NS', 'ns1..example.net').ok).toBe(false);
  });

  it('CAA: flags 0..255, a tag of 1-15 alphanumerics, a quoted value', () => {
    expect(value(parseRecordValue('CAA', '0 issue "letsencrypt.org"'))).toBe('0 issue "letsencrypt.org"');
    expect(value(parseRecordValue('CAA', '128 ISSUEWILD ;'))).toBe('128 issuewild ";"');
    expect(value(parseRecordValue('CAA', '256 issue "ca.example"'))).toMatch(/^ERR flags/);
    expect(value(parseRecordValue('CAA', '0 issue-wild "ca.example"'))).toMatch(/^ERR tag/);
    expect(value(parseRecordValue('CAA', '0 abcdefghijklmnop "x"'))).toMatch(/^ERR tag/);
    expect(value(parseRecordValue('CAA', '0 issue "unclosed'))).toMatch(/unclosed quote/);
    expect(value(parseRecordValue('CAA', '0 issue "a"b"'))).toMatch(/quotes/);
  });

  it('TXT: up to MAX_TXT_BYTES of text, no control characters', () => {
    expect(parseRecordValue('TXT', 'x'.repeat(MAX_TXT_BYTES)).ok).toBe(true);
    expect(value(parseRecordValue('TXT', 'x'.repeat(MAX_TXT_BYTES + 1)))).toMatch(/at most 4000/);
    expect(parseRecordValue('TXT', 'a\nb').ok).toBe(false);
    expect(parseRecordValue('TXT', 'a\u0000b').ok).toBe(false);
    expect(parseRecordValue('TXT', '').ok).toBe(false);
  });

  it('refuses a value that is not a string', () => {
    expect(parseRecordValue('A', 42).ok).toBe(false);
  });
});

describe('TXT chunks', () => {
  /** The bytes a chunk stands for once its escapes are read back. */
  function unquote(chunk: string): Buffer {
    const body = chunk.slice(1, -1);
    const bytes: number[] = [];
    for (let i = 0; i < body.length; i++) {
      if (body[i] === '\\') {
        if (/\d{3}/.test(body.slice(i + 1, i + 4))) {
          bytes.push(Number(body.slice(i + 1, i + 4)));
          i += 3;
        } else bytes.push(body.charCodeAt(++i));
      } else bytes.push(body.charCodeAt(i));
    }
    return Buffer.from(bytes);
  }

  it('keeps 255 bytes in one string and splits at 256', () => {
    expect(txtChunks('a'.repeat(255))).toHaveLength(1);
    const split = txtChunks('a'.repeat(256));
    expect(split.map((c) => unquote(c).length)).toEqual([255, 1]);
  });

  it('counts bytes, not escapes: 255 quotes are one string of 255 bytes', () => {
    const chunks = txtChunks('"'.repeat(255));
    expect(chunks).toHaveLength(1);
    expect(unquote(chunks[0]).length).toBe(255);
  });

  it('never cuts a UTF-8 character in half and reassembles to the original text', () => {
    const text = `${'a'.repeat(254)}é${'ü'.repeat(200)}`; // é straddles byte 255
    const chunks = txtChunks(text);
    for (const chunk of chunks) expect(unquote(chunk).length).toBeLessThanOrEqual(255);
    expect(unquote(chunks[0]).length).toBe(254);
    expect(Buffer.concat(chunks.map(unquote)).toString('utf8')).toBe(text);
  });

  it('escapes backslashes and quotes so the text reads back unchanged', () => {
    const text = 'v=DKIM1; k=rsa; p="a\\b"';
    expect(Buffer.concat(txtChunks(text).map(unquote)).toString('utf8')).toBe(text);
  });
});
