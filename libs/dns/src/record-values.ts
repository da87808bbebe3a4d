import { isIPv4, isIPv6 } from 'node:net';
import { checkTargetName } from './names.js';
import type { RecordType } from './record-types.js';

/**
 * A record's value as the operator writes it, parsed per type into its canonical text: what is stored,
 * compared for duplicates and shown. Targets are absolute (see checkTargetName) and stored with the final
 * dot; TXT is stored as the plain text and split into 255-byte strings only when rendered (txtChunks).
 */
export type ValueResult = { ok: true; value: string } | { ok: false; message: string };

/** Longest TXT text accepted: well inside one RDATA (65535) and a practical UDP/TCP answer. */
export const MAX_TXT_BYTES = 4_000;
/** RFC 1035 §3.3: a <character-string> is one length octet and at most 255 octets. */
export const TXT_CHUNK_BYTES = 255;

const ok = (value: string): ValueResult => ({ ok: true, value });
const bad = (message: string): ValueResult => ({ ok: false, message });

export function parseRecordValue(type: RecordType, input: unknown): ValueResult {
  if (typeof input !== 'string') return bad('must be a string');
  const text = type === 'TXT' ? input : input.trim();
  if (text.length === 0) return bad('must not be empty');
  switch (type) {
    case 'A':
      // node:net refuses leading zeros ("010.0.0.1", octal to some resolvers) and out-of-range octets.
      return isIPv4(text) ? ok(text) : bad(`"${text}" is not an IPv4 address`);
    case 'AAAA':
      if (!isIPv6(text) || text.includes('%')) return bad(`"${text}" is not an IPv6 address`);
      return ok(text.toLowerCase());
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return target(text);
    case 'MX':
      return mx(text);
    case 'SRV':
      return srv(text);
    case 'TXT':
      return txt(text);
    case 'CAA':
      return caa(text);
  }
}

function target(text: string): ValueResult {
  const checked = checkTargetName(text);
  return checked.ok ? ok(`${checked.name}.`) : bad(`target ${checked.message}`);
}

function uint16(word: string | undefined, what: string): { ok: true; n: number } | { ok: false; message: string } {
  if (word === undefined || !/^\d{1,5}$/.test(word) || Number(word) > 65_535) return { ok: false, message: `${what} must be a whole number from 0 to 65535 (got "${word ?? ''}")` };
  return { ok: true, n: Number(word) };
}

/** "PRIORITY TARGET"; a target of "." is a null MX (RFC 7505), allowed with priority 0 only. */
function mx(text: string): ValueResult {
  const words = text.split(/\s+/);
  if (words.length !== 2) return bad('must be "PRIORITY TARGET", e.g. "10 mail.example.com."');
  const priority = uint16(words[0], 'priority');
  if (!priority.ok) return bad(priority.message);
  if (words[1] === '.') return priority.n === 0 ? ok('0 .') : bad('a null MX (".") must have priority 0 (RFC 7505)');
  const name = target(words[1]);
  return name.ok ? ok(`${priority.n} ${name.value}`) : name;
}

/** "PRIORITY WEIGHT PORT TARGET" (RFC 2782); a target of "." says the service is not offered. */
function srv(text: string): ValueResult {
  const words = text.split(/\s+/);
  if (words.length !== 4) return bad('must be "PRIORITY WEIGHT PORT TARGET", e.g. "10 5 5060 sip.example.com."');
  const numbers: number[] = [];
  for (const [i, what] of ['priority', 'weight', 'port'].entries()) {
    const n = uint16(words[i], what);
    if (!n.ok) return bad(n.message);
    numbers.push(n.n);
  }
  if (words[3] === '.') return ok(`${numbers.join(' ')} .`);
  const name = target(words[3]);
  return name.ok ? ok(`${numbers.join(' ')} ${name.value}`) : name;
}

function txt(text: string): ValueResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TXT_BYTES) return bad(`is ${bytes} bytes; a TXT value is at most ${MAX_TXT_BYTES}`);
  // A NUL or other control character is almost always a paste accident, and some resolvers mangle it.
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(text)) return bad('must not contain control characters (tab excepted)');
  return ok(text);
}

const CAA_TAG = /^[a-z0-9]{1,15}$/i;

/** 'FLAGS TAG "VALUE"' (RFC 8659); the value's quotes are optional. */
function caa(text: string): ValueResult {
  const match = /^(\S+)\s+(\S+)\s+(.+)$/.exec(text);
  if (!match) return bad('must be "FLAGS TAG VALUE", e.g. 0 issue "letsencrypt.org"');
  const [, flagsText, tagText, rawValue] = match as unknown as [string, string, string, string];
  if (!/^\d{1,3}$/.test(flagsText) || Number(flagsText) > 255) return bad(`flags must be a whole number from 0 to 255 (got "${flagsText}")`);
  if (!CAA_TAG.test(tagText)) return bad(`tag must be 1-15 letters or digits, e.g. issue, issuewild, iodef (got "${tagText}")`);
  let value = rawValue;
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"')) return bad('value has an unclosed quote');
    value = value.slice(1, -1);
  }
  if (value.includes('"') || value.includes('\\')) return bad('value must not contain quotes or backslashes');
  if (Buffer.byteLength(value, 'utf8') > TXT_CHUNK_BYTES) return bad(`value is at most ${TXT_CHUNK_BYTES} bytes`);
  return ok(`${Number(flagsText)} ${tagText.toLowerCase()} "${value}"`);
}

/**
 * A TXT text as the quoted <character-string>s of a zone file: each at most 255 bytes of the UTF-8 text
 * (the limit is on bytes on the wire, not characters or escapes), split on a character boundary so no
 * string holds half a character; `"` and `\` escaped, bytes outside printable ASCII written as \DDD.
 */
export function txtChunks(text: string): string[] {
  const chunks: string[] = [];
  let current: number[] = [];
  for (const char of text) {
    const bytes = [...Buffer.from(char, 'utf8')];
    if (current.length + bytes.length > TXT_CHUNK_BYTES) {
      chunks.push(quote(current));
      current = [];
    }
    current.push(...bytes);
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(quote(current));
  return chunks;
}

function quote(bytes: number[]): string {
  let out = '"';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}
