import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { isProgramBasicsVariable } from '@slipway/config';
import type { InventoryNames } from './host-limit.js';
import { isPlainObject } from './plain-object.js';

/** Reads inventories' hosts and groups (one result per path, in order): names, or a one-line problem. */
export type InventoryReader = (inventoryPaths: string[], projectDir: string) => Array<InventoryNames | { problem: string }>;

const TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
/** One read per inventory file version per process: the API loads the catalog twice at start-up. */
const cache = new Map<string, InventoryNames>();

interface RawRun {
  code?: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ansible-inventory -i <path> --list` for every path at once (each takes about a second of
 * python start-up, so in turn they would slow every start of the API and worker), argv only, never a
 * shell: a small node child starts them in parallel and prints their results, and this call waits for
 * it synchronously, since catalog loading is synchronous.
 */
const RUN_ALL = `
const { execFile } = require('node:child_process');
const [cwd, timeout, maxBuffer, parallel, ...paths] = process.argv.slice(1);
const runs = [];
let next = 0;
const one = (p) => new Promise((resolve) => {
  execFile('ansible-inventory', ['-i', p, '--list'], { cwd, timeout: Number(timeout), maxBuffer: Number(maxBuffer), encoding: 'utf8' },
    (error, stdout, stderr) => resolve({ code: error && typeof error.code === 'string' ? error.code : (error && error.killed ? 'ETIMEDOUT' : undefined),
      status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }));
});
const lane = async () => { while (next < paths.length) { const i = next++; runs[i] = await one(paths[i]); } };
Promise.all(Array.from({ length: Number(parallel) }, lane)).then(() => process.stdout.write(JSON.stringify(runs)));
`;
/** At most this many ansible-inventory processes at once (each is a python start-up). */
const PARALLEL = 4;

/** The real reader: `ansible-inventory --list` in the project dir (its ansible.cfg applies, as for releases), allow-listed env, timeout. */
export const readInventoryNames: InventoryReader = (inventoryPaths, projectDir) => {
  const keys = inventoryPaths.map((p) => `${p}\0${fileVersion(p)}`);
  // Unique paths: many inventory names may share one file (e.g. "lanes" that are all localhost).
  const missing = [...new Set(inventoryPaths.filter((_, i) => !cache.has(keys[i])))];
  const results = new Map<string, InventoryNames | { problem: string }>();
  if (missing.length > 0) {
    const run = readAllCommand(missing, projectDir);
    const child = spawnSync(process.execPath, run.args, { ...run.options, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    interpretAll(missing, child.stdout, child.error?.message ?? child.stderr).forEach((result, i) => results.set(missing[i], result));
  }
  return inventoryPaths.map((p, i) => {
    const cached = cache.get(keys[i]);
    if (cached) return cached;
    const result = results.get(p) ?? { problem: 'ansible-inventory gave no result' };
    if (!('problem' in result)) cache.set(keys[i], result);
    return result;
  });
};

/**
 * The same read without blocking the event loop (a catalog reload in a serving API): the child runs
 * asynchronously, and every path is read afresh, since a reload is asked for because files changed
 * (an inventory directory's own mtime does not change when a file inside it does). Successful reads
 * refresh the cache the synchronous reader uses.
 */
export async function readInventoryNamesAsync(inventoryPaths: string[], projectDir: string): Promise<Array<InventoryNames | { problem: string }>> {
  const unique = [...new Set(inventoryPaths)];
  if (unique.length === 0) return [];
  const versions = unique.map(fileVersion);
  const run = readAllCommand(unique, projectDir);
  const { maxBuffer, ...spawnOptions } = run.options;
  const { stdout, problem } = await new Promise<{ stdout: string; problem: string }>((resolve) => {
    // spawn's `timeout` kills the child like spawnSync's; output past maxBuffer is refused the same way.
    const child = spawn(process.execPath, run.args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBuffer) out.push(chunk);
      else child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => resolve({ stdout: '', problem: error.message }));
    child.on('close', () => resolve({ stdout: Buffer.concat(out).toString('utf8'), problem: Buffer.concat(err).toString('utf8') }));
  });
  const results = new Map<string, InventoryNames | { problem: string }>();
  interpretAll(unique, stdout, problem).forEach((result, i) => {
    results.set(unique[i], result);
    if (!('problem' in result)) cache.set(`${unique[i]}\0${versions[i]}`, result);
  });
  return inventoryPaths.map((p) => results.get(p) ?? { problem: 'ansible-inventory gave no result' });
}

/** The node child that runs every ansible-inventory (see RUN_ALL), with its environment and limits. */
function readAllCommand(paths: string[], projectDir: string) {
  // Only what ansible-inventory needs to find python and its config; never the service's own secrets.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => isProgramBasicsVariable(name)));
  return {
    args: ['-e', RUN_ALL, projectDir, String(TIMEOUT_MS), String(MAX_OUTPUT_BYTES), String(PARALLEL), ...paths],
    options: {
      env: { ...env, ANSIBLE_NOCOLOR: '1', ANSIBLE_DEPRECATION_WARNINGS: 'False' },
      // Every batch of PARALLEL may take up to TIMEOUT_MS.
      timeout: TIMEOUT_MS * Math.ceil(paths.length / PARALLEL) + 5_000,
      maxBuffer: MAX_OUTPUT_BYTES * (paths.length + 1),
    },
  };
}

/** One result per path from the child's JSON output; every path gets `failure` when there is none. */
function interpretAll(paths: string[], stdout: string, failure: string): Array<InventoryNames | { problem: string }> {
  let runs: RawRun[];
  try {
    runs = JSON.parse(stdout) as RawRun[];
  } catch {
    runs = paths.map(() => ({ status: null, stdout: '', stderr: failure }));
  }
  return paths.map((_, i) => interpret(runs[i] ?? { status: null, stdout: '', stderr: 'no result' }));
}

function interpret(run: RawRun): InventoryNames | { problem: string } {
  if (run.code === 'ENOENT') return { problem: 'ansible-inventory not found on PATH (install ansible-core: apt-get install ansible-core)' };
  if (run.code === 'ETIMEDOUT') return { problem: `ansible-inventory did not answer within ${TIMEOUT_MS / 1000} s` };
  if (run.status !== 0) {
    const why = run.stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit code ${run.status}`;
    return { problem: `ansible-inventory could not read it: ${why}` };
  }
  return parseInventoryList(run.stdout);
}

function fileVersion(file: string): string {
  try {
    const stat = statSync(file);
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    // A vanished file: read it anyway, ansible-inventory will say what is wrong.
    return '';
  }
}

/** Hosts and groups from `ansible-inventory --list` JSON (groups are its keys and every group's children). */
export function parseInventoryList(json: string): InventoryNames | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { problem: 'ansible-inventory printed something that is not JSON' };
  }
  if (!isPlainObject(data)) return { problem: 'ansible-inventory printed an unexpected document' };
  const hosts = new Set<string>();
  const groups = new Set<string>();
  const meta = data._meta;
  if (isPlainObject(meta) && isPlainObject(meta.hostvars)) for (const host of Object.keys(meta.hostvars)) hosts.add(host);
  for (const [group, body] of Object.entries(data)) {
    if (group === '_meta') continue;
    groups.add(group);
    if (!isPlainObject(body)) continue;
    for (const host of stringList(body.hosts)) hosts.add(host);
    for (const child of stringList(body.children)) groups.add(child);
  }
  return { hosts: [...hosts].sort(), groups: [...groups].sort() };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
