import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogError } from './catalog.error.js';
import { CatalogHolder, loadCatalogAsync } from './catalog.provider.js';
import type { Catalog, CatalogTemplate } from './catalog.types.js';

function template(name: string, playbook = `${name}.yml`): CatalogTemplate {
  return {
    name,
    playbook,
    playbookPath: `/p/${playbook}`,
    inventories: ['local'],
    timeoutSeconds: 60,
    refOverride: false,
    checkMode: false,
    extraVars: {},
    secretVars: [],
    vars: {},
    openVars: false,
    limit: 'any',
    lock: '{template}:{inventory}',
  };
}

function catalog(...templates: CatalogTemplate[]): Catalog {
  return {
    file: '/etc/slipway/catalog.yml',
    projectDir: '/p',
    inventories: { local: '/p/local.ini' },
    inventoryNames: { local: { hosts: ['localhost'], groups: ['all'] } },
    templates: Object.fromEntries(templates.map((t) => [t.name, t])),
  };
}

/** A load whose answers the test hands out one by one, in order. */
function scriptedLoad() {
  const calls: Array<{ resolve: (c: Catalog) => void; reject: (e: unknown) => void }> = [];
  const load = (file: string) => {
    expect(file).toBe('/etc/slipway/catalog.yml');
    return new Promise<Catalog>((resolve, reject) => calls.push({ resolve, reject }));
  };
  return { load, calls };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CatalogHolder', () => {
  it('swaps in a valid catalog and says which templates were added, removed and changed', async () => {
    const old = catalog(template('hello'), template('deploy'), template('gone'));
    const next = catalog(template('hello'), template('deploy', 'deploy-v2.yml'), template('fresh'));
    const holder = new CatalogHolder(old, () => Promise.resolve(next));
    const outcome = await holder.reload();
    expect(outcome).toMatchObject({
      applied: true,
      generation: 2,
      templates: ['hello', 'deploy', 'fresh'],
      changes: { added: ['fresh'], removed: ['gone'], changed: ['deploy'] },
    });
    expect(holder.current).toBe(next);
    expect(holder.generation).toBe(2);
  });

  it('keeps the old catalog, object and generation, and returns every problem when the file is invalid', async () => {
    const old = catalog(template('hello'));
    const problems = ['templates.hello.playbook: file not found: nope.yml', 'templates.x.vars.n.type: must be one of string, integer', 'oops: unknown key'];
    const holder = new CatalogHolder(old, () => Promise.reject(new CatalogError(old.file, problems)));
    const loadedAt = holder.loadedAt;
    const outcome = await holder.reload();
    expect(outcome).toEqual({ applied: false, file: old.file, generation: 1, loadedAt, problems });
    expect(holder.current).toBe(old);
    expect(holder.generation).toBe(1);
  });

  it('keeps the old catalog when reading fails unexpectedly, and says why instead of throwing', async () => {
    const old = catalog(template('hello'));
    const holder = new CatalogHolder(old, () => Promise.reject(new Error('EIO: i/o error')));
    const outcome = await holder.reload();
    expect(outcome).toMatchObject({ applied: false, problems: ['the catalog could not be read: EIO: i/o error'] });
    expect(holder.current).toBe(old);
  });

  it('serves the old catalog while a reload reads, and a reader keeps the object it took', async () => {
    const old = catalog(template('hello'));
    const next = catalog(template('hello', 'v2.yml'));
    const { load, calls } = scriptedLoad();
    const holder = new CatalogHolder(old, load);
    const taken = holder.current;
    const reloading = holder.reload();
    await settle();
    expect(holder.current).toBe(old);
    calls[0].resolve(next);
    await reloading;
    expect(holder.current).toBe(next);
    expect(taken.templates.hello.playbook).toBe('hello.yml');
  });

  it('never overlaps reads: callers during a read share one next read, which sees the last edit', async () => {
    const { load, calls } = scriptedLoad();
    const holder = new CatalogHolder(catalog(template('a')), load);
    const first = holder.reload();
    await settle();
    const second = holder.reload();
    const third = holder.reload();
    await settle();
    expect(calls).toHaveLength(1);
    calls[0].resolve(catalog(template('a'), template('b')));
    expect(await first).toMatchObject({ applied: true, generation: 2 });
    await settle();
    expect(calls).toHaveLength(2);
    calls[1].resolve(catalog(template('a'), template('b'), template('c')));
    const [secondOutcome, thirdOutcome] = await Promise.all([second, third]);
    expect(secondOutcome).toBe(thirdOutcome);
    expect(secondOutcome).toMatchObject({ applied: true, generation: 3, changes: { added: ['c'] } });
    expect(Object.keys(holder.current.templates)).toEqual(['a', 'b', 'c']);
    // Idle again: the next reload reads at once.
    const fourth = holder.reload();
    await settle();
    expect(calls).toHaveLength(3);
    calls[2].reject(new CatalogError('/etc/slipway/catalog.yml', ['broken: yes']));
    expect(await fourth).toMatchObject({ applied: false, generation: 3 });
  });

  it('a failed read followed by a good one applies the good one', async () => {
    const { load, calls } = scriptedLoad();
    const holder = new CatalogHolder(catalog(template('a')), load);
    const bad = holder.reload();
    await settle();
    const good = holder.reload();
    calls[0].reject(new CatalogError('/etc/slipway/catalog.yml', ['x: bad']));
    expect(await bad).toMatchObject({ applied: false });
    await settle();
    calls[1].resolve(catalog(template('b')));
    expect(await good).toMatchObject({ applied: true, changes: { added: ['b'], removed: ['a'] } });
  });
});

describe('loadCatalogAsync', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'slipway-catalog-async-'));
    mkdirSync(path.join(root, 'inventories'));
    writeFileSync(path.join(root, 'hello.yml'), '- hosts: all\n  tasks: []\n');
    writeFileSync(path.join(root, 'inventories', 'a.ini'), 'localhost\n');
    writeFileSync(path.join(root, 'inventories', 'b.ini'), 'web1\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads the inventories through the asynchronous reader only, once, and validates with its answers', async () => {
    const file = path.join(root, 'catalog.yml');
    writeFileSync(
      file,
      'project: .\ninventories:\n  a: inventories/a.ini\n  b: inventories/b.ini\ntemplates:\n  hello:\n    playbook: hello.yml\n    inventories: [a, b]\n    limit: [web1]\n',
    );
    const asked: string[][] = [];
    const catalog = await loadCatalogAsync(file, { readInventories: (paths) => {
      asked.push(paths);
      return Promise.resolve(paths.map((p) => ({ hosts: [p.endsWith('a.ini') ? 'localhost' : 'web1'], groups: ['all'] })));
    } });
    expect(asked).toEqual([[path.join(root, 'inventories/a.ini'), path.join(root, 'inventories/b.ini')]]);
    expect(catalog.inventoryNames.b).toEqual({ hosts: ['web1'], groups: ['all'] });
    expect(Object.keys(catalog.templates)).toEqual(['hello']);
  });

  it('reports every problem, the inventory the reader could not read among them', async () => {
    const file = path.join(root, 'catalog.yml');
    writeFileSync(file, 'project: .\nbogus: 1\ninventories:\n  a: inventories/a.ini\ntemplates:\n  hello:\n    playbook: missing.yml\n');
    const error = await loadCatalogAsync(file, { readInventories: (paths) => Promise.resolve(paths.map(() => ({ problem: 'ansible-inventory could not read it: boom' }))) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    const problems = (error as CatalogError).problems;
    expect(problems).toContain('bogus: unknown key');
    expect(problems).toContain('inventories.a: ansible-inventory could not read it: boom');
    expect(problems.some((p) => p.startsWith('templates.hello.playbook:'))).toBe(true);
  });

  it('a file with no readable inventory is judged without reading any', async () => {
    const file = path.join(root, 'catalog.yml');
    writeFileSync(file, 'project: ./nowhere\ninventories:\n  a: inventories/a.ini\ntemplates: {}\n');
    const error = await loadCatalogAsync(file, { readInventories: () => Promise.reject(new Error('must not be called')) }).catch((e: unknown) => e);
    expect((error as CatalogError).problems[0]).toMatch(/^project: directory not found/);
  });
});
