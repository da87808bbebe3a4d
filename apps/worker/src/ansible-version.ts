import { mkdtemp, rm } from 'node:fs/promises';
import { realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { findExecutable } from '@slipway/observability';

/** `ansible-playbook --version` normally answers in under a second; one that hangs must not hold a release's record. */
const PROBE_TIMEOUT_MS = 20_000;

/**
 * The version on `ansible-playbook --version`'s first line: "ansible-playbook [core 2.14.18]" (ansible-core
 * 2.11 and later) or "ansible-playbook 2.9.27" (older). Null when the line has neither.
 */
export function parseAnsibleVersion(output: string): string | null {
  const first = output.split('\n', 1)[0] ?? '';
  const version = /\[core ([^\]\s]+)\]/.exec(first)?.[1] ?? /^\S+ v?(\d+\.\d+[^\s]*)\s*$/.exec(first.trim())?.[1] ?? null;
  return version !== null && version.length <= 64 ? version : null;
}

/** Runs `<bin> --version` and reads the version off it (null when it cannot). */
export type VersionProbe = (bin: string, env: Record<string, string>) => Promise<string | null>;

/**
 * ansible-core's version per executable. `ansible-playbook --version` is a Python start-up (measured on
 * the 2-core CI machine: 0.5 CPU-s idle, 0.8 CPU-s and 2-4 s wall under load; the realpath and stat
 * below take about 0.1 ms), so it is asked once per executable and asked again only when that file
 * changes (path, size, mtime, inode: an upgrade of the package replaces it). A wrapper script around a
 * virtualenv whose ansible is upgraded in place keeps its old answer until the worker restarts.
 */
export class AnsibleVersionCache {
  private readonly known = new Map<string, { stamp: string; version: Promise<string | null> }>();

  constructor(private readonly probe: VersionProbe = probeVersion) {}

  /** The version of `bin` as found on `env.PATH` (the way the run finds it); null if it cannot be told. */
  versionOf(bin: string, env: Record<string, string>): Promise<string | null> {
    const file = findExecutable(bin, env.PATH ?? '');
    if (file === null) return Promise.resolve(null);
    const stamp = fileStamp(file);
    if (stamp === null) return Promise.resolve(null);
    const cached = this.known.get(bin);
    if (cached?.stamp === stamp) return cached.version;
    const version = this.probe(bin, env).catch(() => null);
    this.known.set(bin, { stamp, version });
    return version;
  }
}

function fileStamp(file: string): string | null {
  try {
    const real = realpathSync(file);
    const stat = statSync(real);
    return `${real}\0${stat.size}\0${stat.mtimeMs}\0${stat.ino}`;
  } catch {
    return null;
  }
}

/**
 * `--version` with only what it needs to find Python and print text (PATH, HOME, TZ, the locale): no
 * ANSIBLE_* setting, which could load a config or plugins for a question that needs neither, and its own
 * temporary directory for the ~/.ansible/tmp ansible makes on start.
 */
async function probeVersion(bin: string, env: Record<string, string>): Promise<string | null> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'slipway-ansible-version-'));
  try {
    const plain = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('ANSIBLE_')));
    const result = await execa(bin, ['--version'], {
      env: { ...plain, TMPDIR: tmp, ANSIBLE_LOCAL_TEMP: tmp },
      extendEnv: false,
      cwd: tmp,
      stdin: 'ignore',
      reject: false,
      timeout: PROBE_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024,
    });
    return result.exitCode === 0 ? parseAnsibleVersion(String(result.stdout)) : null;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
