import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { CatalogError } from './catalog.error.js';
import { validateTemplate } from './catalog.template.js';
import { type RunCredentials, validateCredentials } from './credentials.js';
import { type Catalog, type CatalogTemplate, NAME_PATTERN } from './catalog.types.js';
import type { InventoryNames } from './host-limit.js';
import { type InventoryReader, readInventoryNames } from './inventory-names.js';
import { prepareGitProject, validateGitProjectSpec } from './git-project.js';
import type { GitProject } from './git-project.types.js';
import { isPlainObject } from './plain-object.js';
import { type ProjectDir, resolveProjectPath } from './project-path.js';

const TOP_LEVEL_KEYS = new Set(['project', 'inventories', 'templates']);

export interface LoadCatalogOptions {
  /** How to list an inventory's hosts and groups; default: `ansible-inventory --list`. */
  readInventory?: InventoryReader;
  /**
   * This host's git cache (SLIPWAY_GIT_CACHE_DIR): where a git project's mirror and the checkout the
   * catalog is checked against live. Required for a catalog whose project is a git repository.
   */
  gitCacheDir?: string;
}

/**
 * Reads and validates a whole catalog file, and each inventory's hosts and groups.
 * Throws a `CatalogError` listing every problem found, not just the first.
 */
export function loadCatalog(file: string, options: LoadCatalogOptions = {}): Catalog {
  const absFile = path.resolve(file);
  const problems: string[] = [];
  const doc = readYamlMapping(absFile, problems);
  if (!doc) throw new CatalogError(absFile, problems);

  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.has(key)) problems.push(`${key}: unknown key`);
  }
  const { project, git } = validateProject(doc.project, path.dirname(absFile), options.gitCacheDir, problems);
  const inventoryCredentials: Record<string, RunCredentials> = byName();
  const inventories = validateInventories(doc.inventories, project, problems, inventoryCredentials);
  const inventoryNames = Object.keys(inventories);
  const inventoryHosts = readInventories(inventories, project, options.readInventory ?? readInventoryNames, problems);

  const templates: Record<string, CatalogTemplate> = byName();
  if (doc.templates === undefined) problems.push('templates: required');
  else if (!isPlainObject(doc.templates)) problems.push('templates: must be a mapping of name to template');
  else {
    for (const [name, raw] of Object.entries(doc.templates)) {
      const template = validateTemplate(name, raw, { project, inventoryNames, inventoryHosts, isGit: project ? git !== undefined : undefined }, problems);
      if (template) templates[name] = template;
    }
  }

  if (problems.length > 0 || !project) throw new CatalogError(absFile, problems);
  return {
    file: absFile,
    projectDir: project.dir,
    ...(git ? { git } : {}),
    inventories,
    inventoryNames: inventoryHosts,
    templates,
    ...(Object.keys(inventoryCredentials).length > 0 ? { inventoryCredentials } : {}),
  };
}

/** Hosts and groups of every inventory whose path is valid; one problem per inventory that cannot be read. */
function readInventories(
  inventories: Record<string, string>,
  project: ProjectDir | undefined,
  read: InventoryReader,
  problems: string[],
): Record<string, InventoryNames> {
  const result: Record<string, InventoryNames> = byName();
  if (!project) return result;
  const readable = Object.entries(inventories).filter(([, inventoryPath]) => inventoryPath !== '');
  const names = readable.length > 0 ? read(readable.map(([, p]) => p), project.dir) : [];
  let missingTool = false;
  readable.forEach(([name], i) => {
    const found = names[i] ?? { problem: 'ansible-inventory gave no result' };
    if (!('problem' in found)) result[name] = found;
    else if (found.problem.includes('not found on PATH')) {
      // Without the tool every inventory fails the same way: say it once.
      if (!missingTool) problems.push(`inventories: ${found.problem}`);
      missingTool = true;
    } else problems.push(`inventories.${name}: ${found.problem}`);
  });
  return result;
}

function readYamlMapping(file: string, problems: string[]): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(code === 'ENOENT' ? `file not found: ${file}` : `cannot read file: ${errorMessage(err)}`);
    return undefined;
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    problems.push(`not valid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    return undefined;
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // e.g. too many aliases (a "billion laughs" document).
    problems.push(`not valid YAML: ${errorMessage(err)}`);
    return undefined;
  }
  if (!isPlainObject(data)) {
    problems.push('top level must be a mapping');
    return undefined;
  }
  return data;
}

/**
 * `project: ./dir` (a directory on this host) or `project: { git, ref, path, credentials, commitUrl }`
 * (a git repository: its ref is resolved, fetched and checked out here, and the paths below are checked
 * against that revision).
 */
function validateProject(
  raw: unknown,
  baseDir: string,
  gitCacheDir: string | undefined,
  problems: string[],
): { project?: ProjectDir; git?: GitProject } {
  if (raw === undefined) {
    problems.push('project: required');
    return {};
  }
  if (isPlainObject(raw)) {
    const report = (key: string, message: string) => problems.push(`project.${key}: ${message}`);
    const spec = validateGitProjectSpec(raw, baseDir, report);
    if (!spec) return {};
    if (!gitCacheDir) {
      problems.push('project: a git project needs a cache directory (SLIPWAY_GIT_CACHE_DIR)');
      return {};
    }
    const prepared = prepareGitProject(spec, gitCacheDir, report);
    if (!prepared) return {};
    return { project: { dir: prepared.dir, realDir: realpathSync(prepared.dir) }, git: prepared.project };
  }
  if (typeof raw !== 'string' || raw === '') {
    problems.push('project: must be a non-empty path string, or { git: URL, ref, path, credentials, commitUrl }');
    return {};
  }
  const dir = path.resolve(baseDir, raw);
  try {
    if (!statSync(dir).isDirectory()) {
      problems.push(`project: not a directory: ${dir}`);
      return {};
    }
  } catch {
    problems.push(`project: directory not found: ${dir}`);
    return {};
  }
  return { project: { dir, realDir: realpathSync(dir) } };
}

function validateInventories(
  raw: unknown,
  project: ProjectDir | undefined,
  problems: string[],
  credentials: Record<string, RunCredentials>,
): Record<string, string> {
  const result: Record<string, string> = byName();
  if (raw === undefined) {
    problems.push('inventories: required');
    return result;
  }
  if (!isPlainObject(raw)) {
    problems.push('inventories: must be a mapping of name to inventory path');
    return result;
  }
  if (Object.keys(raw).length === 0) problems.push('inventories: must define at least one inventory');

  for (const [name, value] of Object.entries(raw)) {
    const where = `inventories.${name}`;
    // Keep the name even when invalid so templates naming it don't get a second, misleading problem.
    result[name] = '';
    if (!NAME_PATTERN.test(name)) {
      problems.push(`${where}: invalid inventory name (letters, digits, ".", "_", "-"; must start with a letter or digit)`);
    }
    // `name: path`, or `name: { path, credentials }` for an inventory whose hosts need a vault password or SSH key.
    let inventoryPath = value;
    if (isPlainObject(value)) {
      for (const key of Object.keys(value)) if (key !== 'path' && key !== 'credentials') problems.push(`${where}.${key}: unknown key`);
      inventoryPath = value.path;
      const found = validateCredentials(value.credentials, (key, message) => problems.push(`${where}.${key}: ${message}`));
      if (Object.keys(found).length > 0) credentials[name] = found;
    }
    if (typeof inventoryPath !== 'string' || inventoryPath === '') {
      problems.push(`${where}: must be a non-empty path string (or { path, credentials })`);
      continue;
    }
    if (!project) continue;
    // Ansible accepts inventory directories too, so don't insist on a file.
    const resolved = resolveProjectPath(project, inventoryPath, 'file-or-dir');
    if ('problem' in resolved) problems.push(`${where}: ${resolved.problem}`);
    else result[name] = resolved.path;
  }
  return result;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A map from catalog names with no prototype: a template or inventory called `toString`, `__proto__` or
 * `constructor` is simply not found by `map[name]` or `name in map`, in every caller (issue 20, item 3).
 */
function byName<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
