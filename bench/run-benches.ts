import { benchBigLog } from './benches/big-log.js';
import { benchCatalogReload } from './benches/catalog-reload.js';
import { benchDnsChanges } from './benches/dns-changes.js';
import { benchDnsRender } from './benches/dns-render.js';
import { benchFootprint } from './benches/footprint.js';
import { benchHistory } from './benches/history.js';
import { benchLaunch } from './benches/launch.js';
import { benchLogLag } from './benches/log-lag.js';
import { benchResultsGrid } from './benches/results-grid.js';
import { benchRetention } from './benches/retention.js';
import { benchShutdown } from './benches/shutdown.js';
import { benchThroughput } from './benches/throughput.js';
import { benchViewers } from './benches/viewers.js';
import { benchWebhooks } from './benches/webhooks.js';
import { type BenchResult, publish } from './lib/report.js';
import type { BenchSizes } from './sizes.js';

export const BENCHES = ['launch', 'throughput', 'log-lag', 'big-log', 'footprint', 'shutdown', 'catalog-reload', 'retention', 'history', 'viewers', 'dns-render', 'webhooks', 'dns-changes', 'results-grid'] as const;
export type BenchName = (typeof BENCHES)[number];

/** Runs one benchmark at the given sizes, prints its table and writes its JSON into `resultsDir`. */
export async function runBench(name: BenchName, sizes: BenchSizes, resultsDir?: string): Promise<{ result: BenchResult; table: string }> {
  const result = await {
    launch: () => benchLaunch(sizes.launch),
    throughput: () => benchThroughput(sizes.throughput),
    'log-lag': () => benchLogLag(sizes.logLag),
    'big-log': () => benchBigLog(sizes.bigLog),
    footprint: () => benchFootprint(sizes.footprint),
    shutdown: () => benchShutdown(sizes.shutdown),
    'catalog-reload': () => benchCatalogReload(sizes.catalogReload),
    retention: () => benchRetention(sizes.retention),
    history: () => benchHistory(sizes.history),
    viewers: () => benchViewers(sizes.viewers),
    'dns-render': () => benchDnsRender(sizes.dnsRender),
    'dns-changes': () => benchDnsChanges(sizes.dnsChanges),
    webhooks: () => benchWebhooks(sizes.webhooks),
    'results-grid': () => benchResultsGrid(sizes.resultsGrid),
  }[name]();
  return { result, table: publish(result, resultsDir) };
}
