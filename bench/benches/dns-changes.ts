import { PrivateNamed } from '../../test/support/private-named.js';
import { waitFor } from '../../test/support/wait-for.js';
import { type BenchResult, gitCommit, machineInfo } from '../lib/report.js';
import { Stack } from '../lib/stack.js';
import { nowMs, round } from '../lib/stats.js';

export interface DnsChangesOptions {
  changes: number;
  seconds: number;
}

const ZONE = 'changes.bench';

/**
 * The second DNS target with the real thing: `changes` record adds spread over `seconds` through
 * the API (one API, one worker, MariaDB, Redis, named-checkzone and a private `named` reloaded by rndc);
 * how long after the last change's answer `named` serves every change, then each checked with dig.
 */
export async function benchDnsChanges(options: DnsChangesOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machine = machineInfo();
  const named = await PrivateNamed.start([ZONE]);
  const dnsEnv = { DNS_ZONES_DIR: named.zonesDir, DNS_RELOAD_COMMAND: JSON.stringify(named.reloadArgv) };
  const stack = await Stack.start({ name: 'dns', workers: 1, workerEnv: dnsEnv, apiEnv: dnsEnv });
  try {
    const created = await stack.client.request('POST', '/api/v1/dns/zones', { name: ZONE, primaryNs: 'ns1.example.net.', hostmaster: `hostmaster@${ZONE}` });
    if (created.status !== 201) throw new Error(`zone not created: ${created.text}`);
    const gapMs = (options.seconds * 1000) / options.changes;
    const begin = nowMs();
    for (let i = 0; i < options.changes; i++) {
      const due = begin + i * gapMs;
      const wait = due - nowMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const answer = await stack.client.request('POST', `/api/v1/dns/zones/${ZONE}/records`, { name: `c${i}`, type: 'A', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
      if (answer.status !== 201) throw new Error(`change ${i} answered ${answer.status}: ${answer.text}`);
    }
    const lastAt = nowMs();
    const [row] = await stack.query<{ version: string }>('SELECT version FROM dns_zones WHERE name = ?', [ZONE]);
    const finalVersion = Number(row?.version);
    // Served: the DB says the file holds the last version, and named answers that file's serial.
    const servedAt = await waitFor('named to serve every change', async () => {
      const [zone] = await stack.query<{ rendered: string | null; serial: number | null }>('SELECT rendered_version AS rendered, serial FROM dns_zones WHERE name = ?', [ZONE]);
      if (Number(zone?.rendered) < finalVersion || zone?.serial === null) return undefined;
      return (await named.serial(ZONE)) === Number(zone?.serial) ? nowMs() : undefined;
    }, { timeoutMs: 120_000, intervalMs: 50 });
    let missing = 0;
    for (let i = 0; i < options.changes; i++) if ((await named.dig(`c${i}.${ZONE}`, 'A')).length !== 1) missing++;
    const [renders] = await stack.query<{ n: number }>('SELECT COUNT(*) AS n FROM dns_renders');
    const lag = round((servedAt - lastAt) / 1000, 2);
    return {
      bench: 'dns-changes',
      title: `DNS: ${options.changes} changes in ${options.seconds} s, served by named`,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      machine,
      commit: gitCommit(),
      settings: { changes: options.changes, seconds: options.seconds },
      figures: [
        { figure: 'every change served by named, after the last one', unit: 's', value: lag, target: '≤ 5 s', met: lag <= 5 },
        { figure: 'changes named does not answer (dig)', unit: '', value: missing, target: '0', met: missing === 0 },
        { figure: 'renders for those changes', unit: '', value: Number(renders?.n), target: 'context', met: null, note: 'coalesced: DNS_RENDER_DELAY_MS / DNS_RENDER_MAX_WAIT_MS' },
      ],
    };
  } finally {
    await stack.close();
    await named.stop();
  }
}
