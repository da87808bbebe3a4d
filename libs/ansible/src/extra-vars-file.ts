import { mkdtemp, rmdir, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toUnsafeYaml } from './unsafe-yaml.js';

const DIR_PREFIX = 'slipway-extra-vars-';
const FILE_NAME = 'extra-vars.yml';

/**
 * Extra vars as a YAML document for `ansible-playbook -e @file`, one line per var.
 * Not plain JSON: ansible renders variable values as Jinja templates, so a value like
 * "{{ lookup('pipe', 'id') }}" would run commands on the controller. See `toUnsafeYaml`.
 */
export function serializeExtraVars(vars: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) continue;
    // Variable names are names, not data: they need no `!unsafe`.
    lines.push(`${toUnsafeYaml(name).replace(/^!unsafe /, '')}: ${toUnsafeYaml(value)}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '{}\n';
}

/** Writes `vars` to a new 0600 file in a fresh private dir under `dir` (default: the OS temp dir). */
export async function writeExtraVarsFile(vars: Record<string, unknown>, dir: string = os.tmpdir()): Promise<string> {
  const content = serializeExtraVars(vars);
  const tmpDir = await mkdtemp(path.join(dir, DIR_PREFIX));
  const file = path.join(tmpDir, FILE_NAME);
  await writeFile(file, content, { mode: 0o600, flag: 'wx' });
  return file;
}

/** Removes a file made by `writeExtraVarsFile` and its dir; already gone is fine. */
export async function removeExtraVarsFile(file: string): Promise<void> {
  await ignoreMissing(unlink(file));
  const dir = path.dirname(file);
  // Only remove dirs we created, never e.g. /tmp itself if handed some other path.
  if (path.basename(dir).startsWith(DIR_PREFIX)) await ignoreMissing(rmdir(dir));
}

async function ignoreMissing(op: Promise<void>): Promise<void> {
  try {
    await op;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
