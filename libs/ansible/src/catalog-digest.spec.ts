import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { catalogDigest, catalogEntry } from './catalog-digest.js';
import { loadCatalog as loadWithAnsible } from './catalog.loader.js';
import type { InventoryReader } from './inventory-names.js';

const fakeInventory: InventoryReader = (paths) => paths.map(() => ({ hosts: ['localhost'], groups: ['all', 'ungrouped'] }));
const EXAMPLE_CATALOG = fileURLToPath(new URL('../../../examples/catalog.yml', import.meta.url));

const CATALOG = (overrides: { timeout?: number; otherTimeout?: number; secretDefault?: string; order?: 'reversed' } = {}) => {
  const deploy = [
    '  deploy:',
    ...(overrides.order === 'reversed'
      ? [`    timeout: ${overrides.timeout ?? 60}`, '    inventories: [local, staging]', '    playbook: hello.yml']
      : ['    playbook: hello.yml', '    inventories: [local, staging]', `    timeout: ${overrides.timeout ?? 60}`]),
    '    vars:',
    ...(overrides.order === 'reversed'
      ? ['      token: { secret: true, type: string }', '      greeting: { default: hi, type: string }']
      : ['      greeting: { type: string, default: hi }', '      token: { type: string, secret: true }']),
    `    extraVars: { api_key: "${overrides.secretDefault ?? 'first-secret-default'}" }`,
    '    secretVars: [api_key]',
  ];
  return [
    'project: ./playbooks',
    'inventories:',
    '  local: inventories/local.ini',
    '  staging: inventories/staging.ini',
    'templates:',
    ...deploy,
    '  other:',
    '    playbook: hello.yml',
    `    timeout: ${overrides.otherTimeout ?? 60}`,
    '',
  ].join('\n');
};

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slipway-digest-spec-'));
  mkdirSync(path.join(root, 'playbooks', 'inventories'), { recursive: true });
  writeFileSync(path.join(root, 'playbooks', 'hello.yml'), '- hosts: all\n  tasks: []\n');
  writeFileSync(path.join(root, 'playbooks', 'inventories', 'local.ini'), 'localhost\n');
  writeFileSync(path.join(root, 'playbooks', 'inventories', 'staging.ini'), 'localhost\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function load(text: string, name = 'catalog.yml') {
  const file = path.join(root, name);
  writeFileSync(file, text);
  return loadWithAnsible(file, { readInventory: fakeInventory });
}
const digestOf = (text: string, template = 'deploy', inventory = 'local') => catalogDigest(load(text), template, inventory);

describe('catalogDigest', () => {
  it('is sha256 of the canonical JSON of the entry: template, inventory used and project', () => {
    const catalog = load(CATALOG());
    const entry = catalogEntry(catalog, 'deploy', 'local');
    expect(Object.keys(entry).sort()).toEqual(['inventory', 'project', 'template']);
    expect(entry.inventory).toEqual({ name: 'local', path: path.join(root, 'playbooks', 'inventories', 'local.ini'), credentials: null });
    expect(entry.project).toBe(path.join(root, 'playbooks'));
    const digest = catalogDigest(catalog, 'deploy', 'local');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digest).toBe(`sha256:${createHash('sha256').update(canonicalJson(entry)).digest('hex')}`);
  });

  it('is the same for the same entry: loaded again, keys written in another order, catalog file elsewhere', () => {
    const first = digestOf(CATALOG());
    expect(digestOf(CATALOG())).toBe(first);
    expect(digestOf(CATALOG({ order: 'reversed' }))).toBe(first);
    expect(digestOf(CATALOG(), 'deploy', 'local')).toBe(catalogDigest(load(CATALOG(), 'moved.yml'), 'deploy', 'local'));
  });

  it('is the same when only another template changes', () => {
    expect(digestOf(CATALOG({ otherTimeout: 999 }))).toBe(digestOf(CATALOG()));
    expect(digestOf(CATALOG({ otherTimeout: 999 }), 'other')).not.toBe(digestOf(CATALOG(), 'other'));
  });

  it('changes with the template entry and with the inventory used', () => {
    expect(digestOf(CATALOG({ timeout: 61 }))).not.toBe(digestOf(CATALOG()));
    expect(digestOf(CATALOG(), 'deploy', 'staging')).not.toBe(digestOf(CATALOG(), 'deploy', 'local'));
  });

  it('holds no secret default, so it cannot be used to guess one (a secret default change alone keeps it)', () => {
    const catalog = load(CATALOG({ secretDefault: 'hunter2-secret' }));
    expect(canonicalJson(catalogEntry(catalog, 'deploy', 'local'))).not.toContain('hunter2');
    expect(digestOf(CATALOG({ secretDefault: 'hunter2-secret' }))).toBe(digestOf(CATALOG()));
  });

  it('for a git project: the repository, ref and path, not the commit checked at load nor the host checkout', () => {
    const base = load(CATALOG());
    const gitCatalog = (loadedCommit: string, projectDir: string, ref = 'main') => ({
      ...base,
      projectDir,
      git: { url: 'https://git.example.com/ops/playbooks.git', ref, path: 'ansible', loadedCommit, loadedRef: ref },
    });
    const atLoad = catalogDigest(gitCatalog('a'.repeat(40), '/cache-a/catalog/aaa'), 'deploy', 'local');
    // Another push since, checked out on another host: the same catalog entry.
    expect(catalogDigest(gitCatalog('b'.repeat(40), '/cache-b/catalog/bbb'), 'deploy', 'local')).toBe(atLoad);
    expect(catalogDigest(gitCatalog('a'.repeat(40), '/cache-a/catalog/aaa', 'release-2'), 'deploy', 'local')).not.toBe(atLoad);
    expect(atLoad).not.toBe(catalogDigest(base, 'deploy', 'local'));
  });

  it('works for every template of the example catalog', () => {
    const catalog = loadWithAnsible(EXAMPLE_CATALOG, { readInventory: fakeInventory });
    const names = Object.keys(catalog.templates);
    expect(names.length).toBeGreaterThan(3);
    const digests = names.map((name) => catalogDigest(catalog, name, catalog.templates[name].inventories[0]));
    for (const digest of digests) expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(digests).size).toBe(names.length);
  });
});
