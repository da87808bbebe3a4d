import { z } from 'zod';
import { isoTime } from './common.js';
import { DNS_RECORD_TYPES, DNS_RENDER_STATUSES } from './enums.js';
import { named } from './registry.js';

/*
 * The DNS records service's requests and answers. The contract checks shapes; what a name or value may
 * be (RFC limits, per-type parsing, the CNAME rules) is libs/dns's, checked by the API in the same 400.
 */

/**
 * A zone's reload step as a catalog release: after each render that installed its file, this template
 * runs on this inventory with these fixed vars plus dns_zone, dns_zone_file and dns_serial (which the
 * template must declare). Set with `PUT /api/v1/dns/zones/:zone/reload-release` (admins).
 */
export const dnsReloadReleaseBody = named(
  'DnsReloadRelease',
  z.strictObject({
    template: z.string({ message: 'template must be a string' }).min(1, 'template must not be empty').max(128).meta({ example: 'dns-ship-zone' }),
    inventory: z.string({ message: 'inventory must be a string' }).max(128).optional().meta({ example: 'local', description: "One of the template's inventories; default its first" }),
    vars: z
      .record(z.string(), z.unknown(), { message: 'vars must be an object' })
      .optional()
      .meta({ example: { dns_target_dir: '/var/lib/bind/zones' }, description: "Fixed vars, checked against the template's declared vars (never its secret vars, nor dns_zone, dns_zone_file, dns_serial)" }),
  }),
);
export type DnsReloadRelease = z.infer<typeof dnsReloadReleaseBody>;

/** A zone as listed, with where its rendering stands. */
export const dnsZoneBody = named(
  'DnsZoneBody',
  z.strictObject({
    id: z.number().int(),
    name: z.string().meta({ example: 'example.test' }),
    primaryNs: z.string().meta({ example: 'ns1.example.test.' }),
    hostmaster: z.string().meta({ example: 'hostmaster.example.test.' }),
    version: z.number().int().meta({ description: 'Goes up with every change to the zone or its records' }),
    createdAt: isoTime,
    createdBy: z.string(),
    renderStatus: z.enum(DNS_RENDER_STATUSES).meta({ description: '"failed": the last render was refused by named-checkzone (see renderMessage); the previous file keeps serving' }),
    renderMessage: z.string().nullable(),
    renderedVersion: z.number().int().nullable().meta({ description: 'The version the served file holds; equal to version once every change is served' }),
    renderedAt: isoTime.nullable(),
    serial: z.number().int().nullable().meta({ description: 'SOA serial of the served file' }),
    reloadRelease: dnsReloadReleaseBody.nullable().meta({ description: 'The reload step as a catalog release; null: the argv reload step (DNS_RELOAD_COMMAND)' }),
    reloadReleaseId: z.number().int().nullable().meta({ description: 'The reload release the newest installed file waits on (or waited on)' }),
  }),
);
export type DnsZone = z.infer<typeof dnsZoneBody>;
export const dnsZoneList = named('DnsZoneList', z.array(dnsZoneBody));

/** `POST /api/v1/dns/zones` body (admins). */
export const createDnsZoneRequest = named(
  'CreateDnsZoneRequest',
  z.strictObject({
    name: z.string({ message: 'name must be a string' }).max(254).meta({ example: 'example.test' }),
    primaryNs: z.string({ message: 'primaryNs must be a string' }).max(254).meta({ example: 'ns1.example.test.', description: 'SOA MNAME; also written as an apex NS' }),
    hostmaster: z.string({ message: 'hostmaster must be a string' }).max(254).meta({ example: 'hostmaster@example.test', description: 'SOA RNAME, as a mail address or a mailbox name' }),
  }),
);
export type CreateDnsZoneRequest = z.infer<typeof createDnsZoneRequest>;

/** A record as stored: name relative to the zone ("@" is the apex), value canonical. ETag: its version. */
export const dnsRecordBody = named(
  'DnsRecordBody',
  z.strictObject({
    id: z.number().int(),
    name: z.string().meta({ example: 'www' }),
    type: z.enum(DNS_RECORD_TYPES),
    ttl: z.number().int(),
    value: z.string().meta({ example: '192.0.2.10' }),
    version: z.number().int().meta({ description: 'Sent back in If-Match to change or delete the record' }),
    updatedAt: isoTime,
    updatedBy: z.string(),
  }),
);
export type DnsRecord = z.infer<typeof dnsRecordBody>;
export const dnsRecordList = named('DnsRecordList', z.array(dnsRecordBody));

const recordFields = {
  name: z.string({ message: 'name must be a string' }).max(254).meta({ example: 'www', description: '"@" for the apex, a name relative to the zone, or an absolute name ending in "." inside it' }),
  type: z.enum(DNS_RECORD_TYPES, { message: `type must be one of: ${DNS_RECORD_TYPES.join(', ')}` }),
  ttl: z.number({ message: 'ttl must be a number' }).meta({ example: 3600, description: 'Seconds, 30 to 604800; default 3600' }),
  value: z.string({ message: 'value must be a string' }).max(8_000).meta({ example: '192.0.2.10', description: 'A/AAAA: an address; CNAME/NS/PTR: a name; MX: "PRIORITY NAME"; SRV: "PRIORITY WEIGHT PORT NAME"; TXT: the text (split into 255-byte strings for you); CAA: \'FLAGS TAG "VALUE"\'' }),
};

/** `POST /api/v1/dns/zones/:zone/records` body (deployers). */
export const createDnsRecordRequest = named('CreateDnsRecordRequest', z.strictObject({ ...recordFields, ttl: recordFields.ttl.optional() }));
export type CreateDnsRecordRequest = z.infer<typeof createDnsRecordRequest>;

/** `PUT /api/v1/dns/zones/:zone/records/:id` body with If-Match: the fields to change, the rest kept. */
export const updateDnsRecordRequest = named(
  'UpdateDnsRecordRequest',
  z.strictObject({ name: recordFields.name.optional(), type: recordFields.type.optional(), ttl: recordFields.ttl.optional(), value: recordFields.value.optional() }),
);
export type UpdateDnsRecordRequest = z.infer<typeof updateDnsRecordRequest>;

/** One render of a zone, newest first in the history. */
export const dnsRenderBody = named(
  'DnsRenderBody',
  z.strictObject({
    zoneVersion: z.number().int(),
    serial: z.number().int().nullable().meta({ description: 'Null when the file was not installed (the checker refused it)' }),
    status: z.enum(DNS_RENDER_STATUSES),
    message: z.string().nullable(),
    at: isoTime,
    worker: z.string(),
    releaseId: z.number().int().nullable().meta({ description: 'The reload release this render launched (or joined, while one was still queued)' }),
  }),
);
export type DnsRender = z.infer<typeof dnsRenderBody>;

/** `GET /api/v1/dns/zones/:zone/renders`: the last renders, and who changed what since the last one installed. */
export const dnsRenderHistoryBody = named(
  'DnsRenderHistoryBody',
  z.strictObject({
    renders: z.array(dnsRenderBody),
    changesSinceLastRender: z.array(z.strictObject({ at: isoTime, actor: z.string(), action: z.string(), details: z.record(z.string(), z.unknown()) })),
  }),
);
export type DnsRenderHistory = z.infer<typeof dnsRenderHistoryBody>;

/** `POST /api/v1/dns/zones/:zone/import` body (deployers): the zone's records become the file's. */
export const importDnsZoneRequest = named(
  'ImportDnsZoneRequest',
  z.strictObject({
    zoneFile: z.string({ message: 'zoneFile must be a string' }).min(1, 'zoneFile must not be empty').meta({ description: 'A BIND master file; its SOA is ignored (the service writes its own)' }),
  }),
);
export type ImportDnsZoneRequest = z.infer<typeof importDnsZoneRequest>;

export const importDnsZoneBody = named(
  'ImportDnsZoneBody',
  z.strictObject({
    records: z.number().int().meta({ description: 'Records the zone now holds' }),
    skipped: z.array(z.string()).meta({ description: 'Records of types the service does not manage, left out' }),
  }),
);
export type ImportDnsZone = z.infer<typeof importDnsZoneBody>;
