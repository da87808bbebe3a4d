import { absoluteName, checkDomainName, checkOwnerName, checkTargetName } from './names.js';
import { RECORD_TYPES, type RecordType } from './record-types.js';
import { parseRecordValue } from './record-values.js';
import { DEFAULT_TTL, ttlProblem } from './ttl.js';

export interface FieldProblem {
  field: string;
  message: string;
}

/** A record as stored: owner relative to the zone ("@" for the apex), canonical value. */
export interface DnsRecordData {
  name: string;
  type: RecordType;
  ttl: number;
  value: string;
}

export interface RecordInput {
  name?: unknown;
  type?: unknown;
  ttl?: unknown;
  value?: unknown;
}

export type RecordCheck = { ok: true; record: DnsRecordData } | { ok: false; problems: FieldProblem[] };

/** Checks one record on its own (every field, all problems at once) and answers it canonical. */
export function checkRecord(zone: string, input: RecordInput): RecordCheck {
  const problems: FieldProblem[] = [];
  const owner = typeof input.name === 'string' ? checkOwnerName(input.name, zone) : { ok: false as const, message: 'must be "@" or a name in the zone' };
  if (!owner.ok) problems.push({ field: 'name', message: `name ${owner.message}` });
  const type = RECORD_TYPES.find((t) => t === input.type);
  if (!type) problems.push({ field: 'type', message: `type must be one of: ${RECORD_TYPES.join(', ')}` });
  const ttl = input.ttl === undefined ? DEFAULT_TTL : input.ttl;
  const ttlIssue = ttlProblem(ttl);
  if (ttlIssue) problems.push({ field: 'ttl', message: `ttl ${ttlIssue}` });
  const value = type ? parseRecordValue(type, input.value) : null;
  if (value && !value.ok) problems.push({ field: 'value', message: `value ${value.message}` });
  if (owner.ok && type) problems.push(...ownerRules(owner.name, type));
  if (problems.length > 0 || !owner.ok || !type || !value?.ok) return { ok: false, problems };
  return { ok: true, record: { name: owner.name, type, ttl: ttl as number, value: value.value } };
}

function ownerRules(owner: string, type: RecordType): FieldProblem[] {
  if (type === 'CNAME' && owner === '@') return [{ field: 'name', message: 'name: a CNAME cannot be at the zone apex (the apex holds SOA and NS; RFC 1034 §3.6.2)' }];
  if (type === 'SRV' && !/^(\*\.)?_[^.]+\._[^.]+(\.|$)/.test(owner)) {
    return [{ field: 'name', message: 'name of an SRV record must start with _service._proto (e.g. _sip._tcp; RFC 2782)' }];
  }
  return [];
}

/**
 * The rules between records at one name, checked against what the zone would hold after the change
 * (`others` is every other record of the zone): a CNAME is the only record at its name (RFC 1034 §3.6.2,
 * RFC 2181 §10.1), and no record is there twice (one RRset holds each value once).
 */
export function checkAgainstZone(record: DnsRecordData, others: readonly DnsRecordData[]): FieldProblem[] {
  const atName = others.filter((o) => o.name === record.name);
  if (record.type === 'CNAME' && atName.length > 0) {
    const what = atName.some((o) => o.type === 'CNAME') ? 'another CNAME' : `${[...new Set(atName.map((o) => o.type))].join(', ')} data`;
    return [{ field: 'type', message: `type: a CNAME cannot share the name "${record.name}" with ${what}` }];
  }
  if (record.type !== 'CNAME' && atName.some((o) => o.type === 'CNAME')) {
    return [{ field: 'name', message: `name "${record.name}" already has a CNAME, which must be the only record at its name` }];
  }
  if (atName.some((o) => o.type === record.type && o.value === record.value)) {
    return [{ field: 'value', message: `value: "${record.name}" already has this ${record.type} record` }];
  }
  return [];
}

export interface ZoneInput {
  name?: unknown;
  primaryNs?: unknown;
  hostmaster?: unknown;
}

export interface ZoneData {
  name: string;
  /** SOA MNAME and the apex NS always written (absolute, final dot). */
  primaryNs: string;
  /** SOA RNAME as a mailbox name (hostmaster.example.com.). */
  hostmaster: string;
}

export type ZoneCheck = { ok: true; zone: ZoneData } | { ok: false; problems: FieldProblem[] };

/** A zone's name and SOA fields. The contact may be written as a mail address (first "@" becomes "."). */
export function checkZone(input: ZoneInput): ZoneCheck {
  const problems: FieldProblem[] = [];
  const name = typeof input.name === 'string' ? checkDomainName(input.name.trim()) : { ok: false as const, message: 'must be a domain name' };
  if (!name.ok) problems.push({ field: 'name', message: `name ${name.message}` });
  const ns = typeof input.primaryNs === 'string' ? checkTargetName(input.primaryNs) : { ok: false as const, message: 'must be a name server\'s full name' };
  if (!ns.ok) problems.push({ field: 'primaryNs', message: `primaryNs ${ns.message}` });
  const contact = typeof input.hostmaster === 'string' ? mailbox(input.hostmaster) : { ok: false as const, message: 'must be a mail address' };
  if (!contact.ok) problems.push({ field: 'hostmaster', message: `hostmaster ${contact.message}` });
  if (!name.ok || !ns.ok || !contact.ok) return { ok: false, problems };
  return { ok: true, zone: { name: name.name, primaryNs: `${ns.name}.`, hostmaster: `${contact.name}.` } };
}

function mailbox(text: string) {
  const trimmed = text.trim();
  const at = trimmed.indexOf('@');
  // A "." in the local part would need escaping in RNAME; refuse it rather than render it wrongly.
  if (at > 0 && trimmed.slice(0, at).includes('.')) return { ok: false as const, message: 'local part must not contain "."' };
  return checkTargetName(at > 0 ? `${trimmed.slice(0, at)}.${trimmed.slice(at + 1)}` : trimmed);
}

export { absoluteName };
