import type { DnsRecordData, ZoneData } from './record-rules.js';
import { txtChunks } from './record-values.js';

export interface SoaTimers {
  refresh: number;
  retry: number;
  expire: number;
  /** Negative-caching TTL (RFC 2308). */
  minimum: number;
}

export const DEFAULT_SOA_TIMERS: SoaTimers = { refresh: 3_600, retry: 600, expire: 1_209_600, minimum: 300 };

/**
 * The BIND master file of a zone: $ORIGIN, the SOA with this render's serial, the primary name server's
 * apex NS, then the records sorted by name and type so two renders of one zone differ only by what
 * changed. Names are written relative to $ORIGIN; targets are absolute (final dot).
 */
export function renderZoneFile(zone: ZoneData, records: readonly DnsRecordData[], serial: number, timers = DEFAULT_SOA_TIMERS): string {
  const lines = [
    `; ${zone.name}: written by Slipway; edit through Slipway, not here (the next render replaces this file)`,
    `$ORIGIN ${zone.name}.`,
    `$TTL ${timers.minimum}`,
    `@ ${timers.minimum} IN SOA ${zone.primaryNs} ${zone.hostmaster} ${serial} ${timers.refresh} ${timers.retry} ${timers.expire} ${timers.minimum}`,
  ];
  const apexNsTtl = records.find((r) => r.name === '@' && r.type === 'NS')?.ttl ?? 3_600;
  const hasPrimary = records.some((r) => r.name === '@' && r.type === 'NS' && r.value === zone.primaryNs);
  if (!hasPrimary) lines.push(`@ ${apexNsTtl} IN NS ${zone.primaryNs}`);
  const sorted = [...records].sort((a, b) => order(a).localeCompare(order(b)));
  for (const record of sorted) lines.push(`${record.name} ${record.ttl} IN ${record.type} ${rdata(record)}`);
  return `${lines.join('\n')}\n`;
}

function order(record: DnsRecordData): string {
  return `${record.name === '@' ? '' : record.name}\u0000${record.type}\u0000${record.value}`;
}

function rdata(record: DnsRecordData): string {
  return record.type === 'TXT' ? txtChunks(record.value).join(' ') : record.value;
}
