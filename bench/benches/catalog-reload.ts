import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadCatalog } from '../../libs/ansible/src/catalog.loader.js';
import { CatalogHolder } from '../../libs/ansible/src/catalog.provider.js';
import { REPO_ROOT } from '../../test/support/test-env.js';
import { type BenchResult, gitCommit, machineInfo } from '../lib/report.js';
import { distribution, nowMs, round } from '../lib/stats.js';

export interface CatalogReloadOptions {
  /** Inventory files in the catalog (each one `ansible-inventory` run, about a CPU-second of python). */
  inventories: number;
  rounds: number;
}

/** The longest gap between ticks of a 5 ms timer while `work` runs: how long the event loop could not answer anything. */
async function longestStall(work: () => unknown): Promise<{ stallMs: number; wallMs: number }> {
  let last = nowMs();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = nowMs();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  const started = nowMs();
  last = started;
  await work();
  const ended = nowMs();
  longest = Math.max(longest, ended - last);
  clearInterval(ticker);
  return { stallMs: longest, wallMs: ended - started };
}

/**
 * A catalog reload in a serving process (the API): the old synchronous load (what start-up does) blocks
 * the event loop for all of `ansible-inventory`'s python, every request waiting behind it; CatalogHolder's
 * reload reads the inventories in an asynchronous child, so the loop stays free. Both run the real
 * ansible-inventory on fresh inventory files (their mtimes are bumped so no cache answers).
 */
export async function benchCatalogReload(options: CatalogReloadOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machine = machineInfo();
  const project = mkdtempSync(join(tmpdir(), 'slipway-bench-reload-'));
  try {
    mkdirSync(join(project, 'inventories'));
    copyFileSync(join(REPO_ROOT, 'examples/playbooks/hello.yml'), join(project, 'hello.yml'));
    const inventories: Record<string, string> = {};
    for (let i = 0; i < options.inventories; i++) {
      writeFileSync(join(project, 'inventories', `lane${i}.ini`), `[lane${i}]\nlocalhost ansible_connection=local\nweb${i}.example ansible_host=127.0.0.1\n`);
      inventories[`lane${i}`] = `inventories/lane${i}.ini`;
    }
    const file = join(project, 'catalog.yml');
    writeFileSync(file, stringify({ project: '.', inventories, templates: { hello: { playbook: 'hello.yml', inventories: Object.keys(inventories) } } }));
    const freshInventories = (round: number) => {
      const at = new Date(Date.now() + round * 1_000);
      for (const path of Object.values(inventories)) utimesSync(join(project, path), at, at);
    };

    const holder = new CatalogHolder(loadCatalog(file));
    const sync: number[] = [];
    const reloadStall: number[] = [];
    const reloadWall: number[] = [];
    for (let i = 0; i < options.rounds; i++) {
      freshInventories(2 * i + 1);
      sync.push((await longestStall(() => loadCatalog(file))).stallMs);
      freshInventories(2 * i + 2);
      const measured = await longestStall(async () => {
        const outcome = await holder.reload();
        if (!outcome.applied) throw new Error(`the bench catalog did not reload: ${outcome.problems.join('; ')}`);
      });
      reloadStall.push(measured.stallMs);
      reloadWall.push(measured.wallMs);
    }
    const median = (values: number[]) => round(distribution(values).p50, 1);
    // The same ticker doing nothing for as long as a reload took: what the machine's own scheduling costs.
    const idle = await longestStall(() => new Promise((resolve) => setTimeout(resolve, median(reloadWall))));
    return {
      bench: 'catalog-reload',
      title: 'Catalog reload: event loop stalls while the inventories are read',
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      machine,
      commit: gitCommit(),
      settings: { inventories: options.inventories, rounds: options.rounds },
      figures: [
        { figure: 'longest event-loop stall, synchronous load (start-up path)', unit: 'ms', value: median(sync), target: 'context', met: null, note: 'the whole read blocks: what a reload through loadCatalog would cost every request in flight' },
        { figure: 'longest event-loop stall, CatalogHolder.reload', unit: 'ms', value: median(reloadStall), target: '< 100 ms', met: median(reloadStall) < 100 },
        { figure: 'reload wall time (file read, inventories read, validated, swapped)', unit: 'ms', value: median(reloadWall), target: 'context', met: null },
        { figure: 'longest event-loop stall, idle for as long (machine noise)', unit: 'ms', value: round(idle.stallMs, 1), target: 'context', met: null, note: 'the floor the reload figure is compared with on a busy machine' },
      ],
    };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
