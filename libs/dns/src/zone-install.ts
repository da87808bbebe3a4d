import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** The checker (or the reload step) is not installed: one line that says what to install. */
export class DnsToolMissingError extends Error {
  override readonly name = 'DnsToolMissingError';
}

export type CheckResult = { ok: true } | { ok: false; message: string };

/**
 * Runs `named-checkzone` on a file: strict on the checks that break resolution (-k fail: bad owner names;
 * -n fail: NS/MX targets that are addresses), and answers its own words when it refuses the zone.
 */
export async function checkZoneFile(bin: string, zone: string, file: string): Promise<CheckResult> {
  const result = await execa(bin, ['-k', 'fail', '-n', 'fail', '-i', 'local', zone, file], { reject: false, all: true, timeout: 60_000 });
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new DnsToolMissingError(`${bin} not found: install Debian's bind9-utils (apt-get install bind9-utils), or set NAMED_CHECKZONE_BIN`);
  }
  if (result.exitCode === 0) return { ok: true };
  const lines = String(result.all ?? '')
    .split('\n')
    .map((l) => l.replace(file, `${zone}.zone`).trim())
    .filter((l) => l && !/^zone .* not loaded due to errors\.?$/.test(l));
  return { ok: false, message: lines.join('; ').slice(0, 2_000) || `named-checkzone exited with ${result.exitCode ?? result.signal}` };
}

export type InstallResult = { installed: true; path: string } | { installed: false; message: string };

/**
 * Writes the zone file beside its final place, checks it, and only then renames it over the live one
 * (a rename in one directory is atomic: named reads the old file or the new one, never half of one). A
 * file the checker refuses is removed and the live file is left as it was.
 */
export async function installZoneFile(options: { checkzoneBin: string; zonesDir: string; zone: string; text: string }): Promise<InstallResult> {
  const path = join(options.zonesDir, zoneFileName(options.zone));
  const temp = join(options.zonesDir, `.${zoneFileName(options.zone)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(options.text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    const check = await checkZoneFile(options.checkzoneBin, options.zone, temp);
    if (!check.ok) return { installed: false, message: check.message };
    await rename(temp, path);
    return { installed: true, path };
  } finally {
    await rm(temp, { force: true });
  }
}

/** The zone's file name in the zones directory (zone names are checked: letters, digits, "-", "."). */
export function zoneFileName(zone: string): string {
  if (!/^[a-z0-9.-]+$/.test(zone) || zone.includes('..')) throw new Error(`not a checked zone name: ${zone}`);
  return `${zone}.zone`;
}

/** Runs the reload step as an argv, no shell; `{zone}` in an argument becomes the zone's name. */
export async function runReload(argv: readonly string[], zone: string): Promise<CheckResult> {
  const [bin, ...args] = argv.map((a) => a.replaceAll('{zone}', zone));
  if (!bin) return { ok: true };
  const result = await execa(bin, args, { reject: false, all: true, timeout: 60_000 });
  if ((result as { code?: string }).code === 'ENOENT') return { ok: false, message: `reload step ${bin} not found` };
  if (result.exitCode === 0) return { ok: true };
  return { ok: false, message: `reload step exited with ${result.exitCode ?? result.signal}: ${String(result.all ?? '').trim().slice(0, 1_000)}` };
}
