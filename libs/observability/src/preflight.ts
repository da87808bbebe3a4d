import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Finds an executable the way execvp would; null when it is not there. */
export function findExecutable(bin: string, pathEnv = process.env.PATH ?? ''): string | null {
  const candidates = bin.includes('/') ? [bin] : pathEnv.split(delimiter).filter(Boolean).map((dir) => join(dir, bin));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}

/** Prints one line to stderr and exits: for a missing dependency or a bad setting, never a stack trace. */
export function fail(service: string, line: string): never {
  process.stderr.write(`${service}: ${line}\n`);
  process.exit(1);
}

/** A one-line description of a start-up error (connection refused, catalog invalid, …). */
export function describeStartupError(error: unknown): string {
  const e = error as { code?: string; message?: string; problems?: string[] };
  if (e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT' || e.message?.includes('database unavailable')) {
    return `${e.message ?? e.code} — is MariaDB/MySQL running? Start it or set DATABASE_URL`;
  }
  return e.message ?? String(error);
}
