import { mkdtemp, rmdir, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const DIR_PREFIX = 'slipway-extra-vars-';
const FILE_NAME = 'extra-vars.yml';

/**
 * Extra vars as a YAML document for `ansible-playbook -e @file`.
 *
 * Why not plain JSON: ansible renders variable values as Jinja templates, so a value like
 * "{{ lookup('pipe', 'id') }}" would run commands on the controller. Tagging every value
 * `!unsafe` makes ansible treat it (recursively) as literal data. Each value is otherwise
 * written as JSON with all non-ASCII escaped, which PyYAML reads back unchanged (raw
 * U+0085/U+2028 would count as line breaks and DEL/C1 controls are rejected).
 */
export function serializeExtraVars(vars: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) continue;
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`extra var ${name} cannot be serialized`);
    lines.push(`${asciiJson(JSON.stringify(name))}: !unsafe ${asciiJson(json)}`);
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

/** Escapes every non-printable-ASCII character of JSON text as a YAML double-quoted escape. */
function asciiJson(json: string): string {
  return json.replace(/[^\x20-\x7e]/gu, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
