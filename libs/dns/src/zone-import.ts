import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { relativeName } from './names.js';
import type { RecordInput } from './record-rules.js';
import { RECORD_TYPES } from './record-types.js';
import { DnsToolMissingError } from './zone-install.js';
import { type RecordLine, recordLines } from './zone-lines.js';

/** A record read from a file: `text` as BIND dumped it, `line` where it starts in the file (none for $GENERATE's). */
export type ImportedRecord = RecordInput & { text: string; line?: number };

export type ImportParse = { ok: true; records: ImportedRecord[]; skipped: string[] } | { ok: false; message: string };

/**
 * Reads an existing zone file with BIND's own parser: `named-checkzone -D` loads it ($ORIGIN, $TTL,
 * $INCLUDE refused, relative names, parentheses, escapes) and dumps one absolute record per line, which
 * is then taken apart here. A file BIND cannot load is refused with its message, which names the line.
 * The SOA is the service's own (skipped); types the service does not manage are listed as skipped.
 * Each record keeps the line it starts on in the file (recordLines), and the records come in file order,
 * so Slipway's own checks (after BIND's) name the line too.
 */
export async function parseZoneFile(checkzoneBin: string, zone: string, primaryNs: string, text: string): Promise<ImportParse> {
  if (/^\s*\$INCLUDE/im.test(text)) return { ok: false, message: '$INCLUDE is not accepted: import one self-contained file' };
  const first = await dumpZone(checkzoneBin, zone, text);
  // The primary name server's apex NS is the service's own (always rendered): a file without any NS
  // records is read again with it appended (absolute, so no $ORIGIN matters), and it is left out below.
  const loaded = !first.ok && /has no NS records/.test(first.message) ? await dumpZone(checkzoneBin, zone, `${text}\n${zone}. 3600 IN NS ${primaryNs}\n`) : first;
  return loaded.ok ? fromDump(zone, primaryNs, loaded.dump, recordLines(zone, text)) : loaded;
}

async function dumpZone(checkzoneBin: string, zone: string, text: string): Promise<{ ok: true; dump: string } | { ok: false; message: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-import-'));
  try {
    const input = join(dir, 'import.zone');
    const output = join(dir, 'dump.zone');
    await writeFile(input, text, 'utf8');
    const result = await execa(checkzoneBin, ['-D', '-o', output, zone, input], { reject: false, all: true, timeout: 60_000 });
    if ((result as { code?: string }).code === 'ENOENT') throw new DnsToolMissingError(`${checkzoneBin} not found: install Debian's bind9-utils (apt-get install bind9-utils), or set NAMED_CHECKZONE_BIN`);
    if (result.exitCode !== 0) {
      const lines = String(result.all ?? '')
        .split('\n')
        .map((l) => l.replaceAll(`${input}:`, 'line ').trim())
        .filter((l) => l && !/not loaded due to errors|loading from master file/.test(l));
      return { ok: false, message: lines.join('; ').slice(0, 2_000) || 'the zone file could not be loaded' };
    }
    return { ok: true, dump: await readFile(output, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function fromDump(zone: string, primaryNs: string, dump: string, lines: RecordLine[]): ImportParse {
  const lineOf = lineFinder(lines);
  const records: ImportedRecord[] = [];
  const skipped: string[] = [];
  for (const line of dump.split('\n')) {
    const match = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, owner, ttl, type, rdata] = match as unknown as [string, string, string, string, string];
    if (type === 'SOA') continue;
    const fileLine = lineOf(owner.replace(/\.$/, '').toLowerCase(), type, rdata.trim());
    const name = relativeName(owner.replace(/\.$/, '').toLowerCase(), zone);
    if (name === '@' && type === 'NS' && rdata.trim().toLowerCase() === primaryNs) continue;
    const known = RECORD_TYPES.find((t) => t === type);
    if (!known) {
      skipped.push(line.trim());
      continue;
    }
    records.push({
      name,
      type: known,
      ttl: Number(ttl),
      value: known === 'TXT' ? txtText(rdata) : rdata.trim(),
      text: `${name} ${ttl} ${type} ${rdata.trim()}`,
      ...(fileLine !== undefined ? { line: fileLine } : {}),
    });
  }
  // File order (records without a line last, as dumped): a rule between two records names the later one.
  records.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  return { ok: true, records, skipped };
}

/**
 * The file line of a dumped record: among the file's records of that owner and type not yet matched, the
 * one whose rdata reads the same (case and spacing aside; the dump writes names absolute), else the first.
 */
function lineFinder(lines: RecordLine[]) {
  const byKey = new Map<string, RecordLine[]>();
  for (const entry of lines) {
    const key = `${entry.owner}\u0000${entry.type}`;
    byKey.set(key, [...(byKey.get(key) ?? []), entry]);
  }
  const norm = (rdata: string) => rdata.toLowerCase().replace(/\s+/g, ' ').replace(/\.(?= |$)/g, '');
  return (owner: string, type: string, rdata: string): number | undefined => {
    const left = byKey.get(`${owner}\u0000${type}`);
    if (!left || left.length === 0) return undefined;
    const same = left.findIndex((entry) => norm(entry.rdata) === norm(rdata));
    const [taken] = left.splice(same >= 0 ? same : 0, 1);
    return taken?.line;
  };
}

/** The text of TXT rdata in master-file form ("a" "b\"c" "\195\169"): its strings joined, escapes read. */
export function txtText(rdata: string): string {
  const bytes: number[] = [];
  let inString = false;
  for (let i = 0; i < rdata.length; i++) {
    const c = rdata[i];
    if (c === '"') {
      inString = !inString;
      continue;
    }
    if (!inString) continue;
    if (c === '\\') {
      const digits = rdata.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        bytes.push(Number(digits));
        i += 3;
      } else bytes.push(rdata.charCodeAt(++i));
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
