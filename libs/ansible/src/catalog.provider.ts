import type { Provider } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { CatalogError } from './catalog.error.js';
import { loadCatalog } from './catalog.loader.js';
import type { Catalog } from './catalog.types.js';
import type { InventoryNames } from './host-limit.js';
import { readInventoryNames, readInventoryNamesAsync } from './inventory-names.js';

/** Template names that a reload adds, removes, or whose entry (playbook, vars, inventories, …) it changes. */
export interface CatalogChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** What a reload did: the new catalog is in force, or the old one still is and these are the file's problems. */
export type CatalogReloadOutcome =
  | { applied: true; file: string; generation: number; loadedAt: Date; templates: string[]; changes: CatalogChanges }
  | {
      applied: false;
      file: string;
      generation: number;
      loadedAt: Date;
      problems: string[];
      /** The file is valid, but a check of this process (CatalogHolder.addCheck) refused it: bad input, not a bad file. */
      refusedByCheck?: boolean;
    };

/** A rule outside the file a new catalog must also pass (e.g. approvers that exist): problems, each naming its field. */
export type CatalogCheck = (next: Catalog) => Promise<string[]>;

export type CatalogLoad = (file: string) => Promise<Catalog>;
export type AsyncInventoryReader = (inventoryPaths: string[], projectDir: string) => Promise<Array<InventoryNames | { problem: string }>>;

/**
 * The catalog a process is using, and its reload. Readers take `current` once per request or release and
 * keep that object: a reload swaps the reference, never edits a catalog in place, so a release started
 * from the old catalog keeps it to its end. A reload that finds any problem changes nothing.
 */
export class CatalogHolder {
  private catalog: Catalog;
  private generationValue = 1;
  private loadedAtValue = new Date();
  private inFlight: Promise<CatalogReloadOutcome> | null = null;
  private next: Promise<CatalogReloadOutcome> | null = null;
  private readonly checks: CatalogCheck[] = [];

  constructor(
    initial: Catalog,
    private readonly load: CatalogLoad = (file) => loadCatalogAsync(file),
  ) {
    this.catalog = initial;
  }

  get current(): Catalog {
    return this.catalog;
  }

  /** A check every reload must pass before the new catalog is swapped in (a refused one changes nothing). */
  addCheck(check: CatalogCheck): void {
    this.checks.push(check);
  }

  /** 1 at start-up, +1 for each reload that was applied. */
  get generation(): number {
    return this.generationValue;
  }

  get loadedAt(): Date {
    return this.loadedAtValue;
  }

  /**
   * Re-reads and validates the file. Reloads never overlap: one asked for while another is reading may
   * have been asked for because of an edit that read missed, so it gets the next read, which everyone
   * asking meanwhile shares (ten SIGHUPs in a row cost two reads, and the last edit is always read).
   */
  reload(): Promise<CatalogReloadOutcome> {
    if (!this.inFlight) return this.start();
    this.next ??= this.inFlight.then(() => {
      this.next = null;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<CatalogReloadOutcome> {
    const run = this.readAndSwap().finally(() => {
      if (this.inFlight === run) this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  private async readAndSwap(): Promise<CatalogReloadOutcome> {
    const old = this.catalog;
    let next: Catalog;
    try {
      next = await this.load(old.file);
    } catch (error) {
      const problems = error instanceof CatalogError ? [...error.problems] : [`the catalog could not be read: ${(error as Error).message ?? String(error)}`];
      if (problems.length === 0) problems.push('the catalog is invalid');
      return { applied: false, file: old.file, generation: this.generationValue, loadedAt: this.loadedAtValue, problems };
    }
    const refusals = (await Promise.all(this.checks.map((check) => check(next)))).flat();
    if (refusals.length > 0) {
      return { applied: false, file: old.file, generation: this.generationValue, loadedAt: this.loadedAtValue, problems: refusals, refusedByCheck: true };
    }
    this.catalog = next;
    this.generationValue++;
    this.loadedAtValue = new Date();
    return {
      applied: true,
      file: next.file,
      generation: this.generationValue,
      loadedAt: this.loadedAtValue,
      templates: Object.keys(next.templates),
      changes: catalogChanges(old, next),
    };
  }
}

export function catalogChanges(old: Catalog, next: Catalog): CatalogChanges {
  const before = Object.keys(old.templates);
  const after = Object.keys(next.templates);
  // An inventory's path or credentials changing changes what each template using it runs against.
  const entry = (catalog: Catalog, name: string) => {
    const template = catalog.templates[name];
    const inventories = template.inventories.map((i) => [i, catalog.inventories[i], catalog.inventoryCredentials?.[i] ?? null]);
    return JSON.stringify({ template, inventories, projectDir: catalog.projectDir });
  };
  return {
    added: after.filter((name) => !(name in old.templates)),
    removed: before.filter((name) => !(name in next.templates)),
    changed: after.filter((name) => name in old.templates && entry(old, name) !== entry(next, name)),
  };
}

/** Pass 1 of loadCatalogAsync stops here, once it knows which inventories to read. */
class InventoriesWanted extends Error {
  constructor(
    readonly paths: string[],
    readonly projectDir: string,
  ) {
    super('inventories wanted');
  }
}

/**
 * `loadCatalog` without blocking the event loop for the inventories: `ansible-inventory` costs about a
 * CPU-second of python per file, and the synchronous reader waits for it. Pass 1 parses the file only to
 * learn which inventories it names (milliseconds), these are read by an asynchronous child, and pass 2
 * validates the whole file with those results. The loader's own rules stay in one place (catalog.loader.ts).
 */
export async function loadCatalogAsync(
  file: string,
  { gitCacheDir, readInventories = readInventoryNamesAsync }: { gitCacheDir?: string; readInventories?: AsyncInventoryReader } = {},
): Promise<Catalog> {
  let wanted: InventoriesWanted;
  try {
    return loadCatalog(file, {
      gitCacheDir,
      readInventory: (paths, projectDir) => {
        throw new InventoriesWanted(paths, projectDir);
      },
    });
  } catch (error) {
    if (!(error instanceof InventoriesWanted)) throw error;
    wanted = error;
  }
  const read = await readInventories(wanted.paths, wanted.projectDir);
  const found = new Map(wanted.paths.map((p, i) => [p, read[i] ?? { problem: 'ansible-inventory gave no result' }]));
  return loadCatalog(file, {
    gitCacheDir,
    readInventory: (paths, projectDir) => {
      // The file changed between the passes (other inventories, another project): read those now.
      const unknown = projectDir === wanted.projectDir ? paths.filter((p) => !found.has(p)) : paths;
      if (unknown.length > 0) readInventoryNames(unknown, projectDir).forEach((result, i) => found.set(unknown[i], result));
      return paths.map((p) => found.get(p) ?? { problem: 'ansible-inventory gave no result' });
    },
  });
}

/** The process's catalog: loaded and validated at start-up (main.ts has already reported its problems). */
export const catalogHolderProvider: Provider = {
  provide: CatalogHolder,
  inject: [SLIPWAY_CONFIG],
  useFactory: (config: SlipwayConfig) => {
    const gitCacheDir = config.gitCacheDir;
    return new CatalogHolder(loadCatalog(config.catalogPath, { gitCacheDir }), (file) => loadCatalogAsync(file, { gitCacheDir }));
  },
};

/** The log line for a reload (every problem on it), worded the same by the API and the worker. */
export function describeReload(outcome: CatalogReloadOutcome, trigger: string): string {
  if (!outcome.applied) {
    const count = `${outcome.problems.length} problem${outcome.problems.length === 1 ? '' : 's'}`;
    return `catalog reload (${trigger}) refused, the catalog loaded at ${outcome.loadedAt.toISOString()} stays in force: ${outcome.file} has ${count}:\n${outcome.problems.map((p) => ` - ${p}`).join('\n')}`;
  }
  const { added, removed, changed } = outcome.changes;
  const parts = [
    ...(added.length > 0 ? [`added ${added.join(', ')}`] : []),
    ...(removed.length > 0 ? [`removed ${removed.join(', ')}`] : []),
    ...(changed.length > 0 ? [`changed ${changed.join(', ')}`] : []),
  ];
  return `catalog reloaded (${trigger}) from ${outcome.file}: ${outcome.templates.length} templates; ${parts.length > 0 ? parts.join('; ') : 'no template changed'}`;
}
