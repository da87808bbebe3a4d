import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DnsRecordData, installZoneFile, renderZoneFile } from '../../libs/dns/src/index.js';
import { type BenchResult, gitCommit, machineInfo } from '../lib/report.js';
import { distribution, nowMs, round } from '../lib/stats.js';

export interface DnsRenderOptions {
  records: number;
  rounds: number;
}

/** A zone of `count` records of every kind a real internal zone holds, mostly A, some long TXT. */
function records(count: number): DnsRecordData[] {
  const out: DnsRecordData[] = [];
  for (let i = 0; i < count; i++) {
    const host = `host${i}`;
    switch (i % 10) {
      case 0:
        out.push({ name: host, type: 'AAAA', ttl: 300, value: `2001:db8::${(i % 65535).toString(16)}` });
        break;
      case 1:
        out.push({ name: `alias${i}`, type: 'CNAME', ttl: 300, value: `host${i - 1}.bench.test.` });
        break;
      case 2:
        out.push({ name: host, type: 'TXT', ttl: 300, value: `v=spf1 ${'include:spf.example.net '.repeat(15)}~all` });
        break;
      case 3:
        out.push({ name: host, type: 'MX', ttl: 300, value: `10 mail${i % 5}.example.net.` });
        break;
      default:
        out.push({ name: host, type: 'A', ttl: 300, value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
    }
  }
  return out;
}

/**
 * What one render of a large zone costs on the worker: the zone file written from its records, then
 * named-checkzone and the atomic rename (ZoneRenderer without the database reads, which are one SELECT).
 */
export async function benchDnsRender(options: DnsRenderOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machine = machineInfo();
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-dns-'));
  const zone = { name: 'bench.test', primaryNs: 'ns1.example.net.', hostmaster: 'hostmaster.bench.test.' };
  const data = records(options.records);
  const renderMs: number[] = [];
  const checkMs: number[] = [];
  const totalMs: number[] = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      const t0 = nowMs();
      const text = renderZoneFile(zone, data, 2026120700 + round);
      const t1 = nowMs();
      const installed = await installZoneFile({ checkzoneBin: process.env.NAMED_CHECKZONE_BIN ?? 'named-checkzone', zonesDir: dir, zone: zone.name, text });
      const t2 = nowMs();
      if (!installed.installed) throw new Error(`named-checkzone refused the bench zone: ${installed.message}`);
      renderMs.push(t1 - t0);
      checkMs.push(t2 - t1);
      totalMs.push(t2 - t0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (values: number[]) => round(distribution(values).p50, 1);
  return {
    bench: 'dns-render',
    title: `DNS: render and check of a ${options.records}-record zone`,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    machine,
    commit: gitCommit(),
    settings: { records: options.records, rounds: options.rounds },
    figures: [
      { figure: `zone file written from ${options.records} records`, unit: 'ms', value: median(renderMs), target: 'context', met: null },
      { figure: 'named-checkzone + atomic install', unit: 'ms', value: median(checkMs), target: 'context', met: null },
      { figure: `render + check of a ${options.records}-record zone`, unit: 'ms', value: median(totalMs), target: '≤ 2000 ms', met: median(totalMs) <= 2000 },
    ],
  };
}
