import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isProgramBasicsVariable } from '@slipway/config';
import { execa } from 'execa';
import { ABBREVIATED_SHA, FULL_COMMIT_SHA } from './git-ref.js';
import type { GitProjectSpec, PinnedCommit } from './git-project.types.js';

/** What went wrong talking to git: `unreachable` (the repository), `unknown-ref`, `missing-commit`, `failed` (anything else). */
export type GitErrorKind = 'unreachable' | 'unknown-ref' | 'missing-commit' | 'failed';

/** A git operation that failed; `message` is one line, with the URL's password (if any) left out. */
export class GitError extends Error {
  override name = 'GitError';
  constructor(
    readonly kind: GitErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface GitRepositoryOptions {
  /** Where the shared bare mirror of each repository lives on this host (SLIPWAY_GIT_CACHE_DIR). */
  cacheDir: string;
  /** The process's environment: the allow-listed part reaches git, and `sshKeyEnv` is read from it. */
  env?: NodeJS.ProcessEnv;
  /** TMPDIR of every git process (a worker passes the run's, so the run-dir sweep finds and kills them). */
  tmpDir?: string;
  /** Where a key from `sshKeyEnv` is written (0600) for the duration of one operation; default the cache dir. */
  keyDir?: string;
}

/** One git invocation: its argv after `git`; `lock`: run under the mirror's lock file (flock). */
interface GitCall {
  args: string[];
  lock?: boolean;
}

interface GitResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** An operation as the git calls it makes: run by a synchronous driver (catalog load) or an async one (API, worker). */
type GitSteps<T> = Generator<GitCall, T, GitResult>;

/** A fetch or clone of a big repository over a slow link may take minutes; nothing may hang forever. */
const GIT_TIMEOUT_MS = 600_000;
/** How long a git call waits for another process's fetch into the same mirror. */
const LOCK_WAIT_SECONDS = 600;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Only what git and ssh need (besides the basics of every program, PATH, HOME, TZ, the locale): never the service's own settings or secrets (DATABASE_URL, tokens…). */
const PASSED_ENV = /^(SSH_AUTH_SOCK|HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy)$/;
/** Transports git may use: never ext:: (runs a command) or fd::. */
export const GIT_ALLOWED_PROTOCOLS = 'file:git:http:https:ssh';

/** Single-quoted for the shell that git runs GIT_SSH_COMMAND with; `'` inside is closed, escaped and reopened. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** GIT_SSH_COMMAND from fixed pieces and a key path, each quoted: never anything a release chose. */
export function gitSshCommand(keyFile?: string): string {
  const argv = ['ssh', '-o', 'BatchMode=yes', ...(keyFile ? ['-i', keyFile, '-o', 'IdentitiesOnly=yes'] : [])];
  return argv.map(shellQuote).join(' ');
}

/** The URL as it may be shown: without a password or token in its user part. */
export function displayGitUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/**
 * Everything a git process gets as its environment: the allow-listed part of `source`, never a prompt
 * (GIT_TERMINAL_PROMPT=0, ssh BatchMode), only plain transports, and the deploy key by path.
 */
export function gitEnvironment(source: NodeJS.ProcessEnv, keyFile?: string, tmpDir?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) if (value !== undefined && (isProgramBasicsVariable(name) || PASSED_ENV.test(name))) env[name] = value;
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    GIT_ALLOW_PROTOCOL: GIT_ALLOWED_PROTOCOLS,
    GIT_SSH_COMMAND: gitSshCommand(keyFile),
    ...(tmpDir ? { TMPDIR: tmpDir } : {}),
  };
}

/**
 * One git repository of a catalog on this host: a bare mirror under the cache dir, shared by every
 * worker and release of the host, fetched under a lock file (flock) so two fetching at once wait for each
 * other; checkouts are private clones of it. Every git call: argv only (never a shell), options ended with
 * `--` before a URL, an allow-listed environment, no terminal prompt, a timeout.
 */
export class GitRepository {
  readonly mirrorDir: string;
  private readonly lockFile: string;

  constructor(
    readonly spec: GitProjectSpec,
    private readonly options: GitRepositoryOptions,
  ) {
    const digest = createHash('sha256').update(spec.url).digest('hex').slice(0, 16);
    const slug = displayGitUrl(spec.url).replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(-60);
    this.mirrorDir = path.join(options.cacheDir, `${slug}-${digest}.git`);
    this.lockFile = `${this.mirrorDir}.lock`;
  }

  private get url(): string {
    return displayGitUrl(this.spec.url);
  }

  /** The commit `ref` names now (branch, tag, commit); the default branch when undefined. */
  resolve(ref?: string): Promise<PinnedCommit> {
    return this.runAsync(this.resolveSteps(ref));
  }

  resolveSync(ref?: string): PinnedCommit {
    return this.runSync(this.resolveSteps(ref));
  }

  /** Makes sure the mirror has `sha`, fetching if it does not. */
  ensureCommit(sha: string): Promise<void> {
    return this.runAsync(this.ensureCommitSteps(sha));
  }

  ensureCommitSync(sha: string): void {
    this.runSync(this.ensureCommitSteps(sha));
  }

  /** A private checkout of `sha` (already in the mirror) at `dir`, which must not exist yet. */
  checkout(sha: string, dir: string): Promise<void> {
    return this.runAsync(this.checkoutSteps(sha, dir));
  }

  checkoutSync(sha: string, dir: string): void {
    this.runSync(this.checkoutSteps(sha, dir));
  }

  private *resolveSteps(ref?: string): GitSteps<PinnedCommit> {
    if (ref === undefined) {
      const head = yield { args: ['ls-remote', '--symref', '--', this.spec.url, 'HEAD'] };
      this.check(head, `cannot reach ${this.url}`, 'unreachable');
      const branch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(head.stdout)?.[1];
      const sha = /^([0-9a-f]{40,64})\tHEAD$/m.exec(head.stdout)?.[1];
      if (!sha) throw new GitError('unknown-ref', `${this.url} has no default branch (is it empty?)`);
      return { commitSha: sha, ref: branch ?? 'HEAD' };
    }
    // Exact names only: ls-remote's own patterns match any ref ending in the name ("x/main" for "main").
    const names = ref.startsWith('refs/') ? [ref] : [`refs/tags/${ref}`, `refs/heads/${ref}`];
    const listed = yield { args: ['ls-remote', '--', this.spec.url, ...names] };
    this.check(listed, `cannot reach ${this.url}`, 'unreachable');
    const refs = new Map(listed.stdout.split('\n').map((line) => line.split('\t')).filter((p) => p.length === 2).map(([sha, name]) => [name, sha]));
    for (const name of names) {
      // An annotated tag's own id is not a commit: its peeled entry ("^{}") is.
      const sha = refs.get(`${name}^{}`) ?? refs.get(name);
      if (sha) return { commitSha: sha, ref };
    }
    if (ABBREVIATED_SHA.test(ref)) {
      const sha = yield* this.commitInMirror(ref);
      if (sha) return { commitSha: sha, ref };
    }
    throw new GitError('unknown-ref', `"${ref}" is not a branch, tag or commit of ${this.url}`);
  }

  private *ensureCommitSteps(sha: string): GitSteps<void> {
    if (!FULL_COMMIT_SHA.test(sha)) throw new GitError('failed', `"${sha}" is not a full commit id`);
    let found: string | null;
    try {
      found = yield* this.commitInMirror(sha);
    } catch (error) {
      if (error instanceof GitError) throw new GitError(error.kind, `commit ${sha} cannot be fetched: ${error.message}`);
      throw error;
    }
    if (!found) throw new GitError('missing-commit', `commit ${sha} cannot be fetched: ${this.url} does not have it (force-pushed away?)`);
  }

  private *checkoutSteps(sha: string, dir: string): GitSteps<void> {
    const clone = yield { args: ['clone', '--quiet', '--shared', '--no-checkout', '--', this.mirrorDir, dir] };
    this.check(clone, `cannot make a checkout in ${dir}`, 'failed');
    const checkout = yield { args: ['-C', dir, '-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', sha] };
    this.check(checkout, `cannot check out commit ${sha}`, 'failed');
  }

  /** The full id of `rev` in the mirror, fetching once (and the commit itself, if no ref has it) when missing. */
  private *commitInMirror(rev: string): GitSteps<string | null> {
    if (!existsSync(path.join(this.mirrorDir, 'HEAD'))) {
      // Idempotent: a second worker (or one SIGKILLed half way) finds the repository and leaves it as it is.
      const init = yield { lock: true, args: ['init', '--quiet', '--bare', '--', this.mirrorDir] };
      this.check(init, `cannot create the mirror ${this.mirrorDir}`, 'failed');
    }
    const find = () => ({ args: [`--git-dir=${this.mirrorDir}`, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`] });
    let found = yield find();
    if (found.status === 0) return found.stdout.trim();
    // gc.auto=0: objects of branches deleted upstream stay, so a release pinned to them can still run.
    const fetch = yield {
      lock: true,
      args: ['-c', 'gc.auto=0', `--git-dir=${this.mirrorDir}`, 'fetch', '--quiet', '--prune', '--no-tags', '--', this.spec.url,
        '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'],
    };
    this.check(fetch, `cannot fetch from ${this.url}`, 'unreachable');
    found = yield find();
    if (found.status === 0) return found.stdout.trim();
    if (FULL_COMMIT_SHA.test(rev)) {
      // A commit no branch or tag holds any more: servers that allow it send it when asked by id.
      yield { lock: true, args: ['-c', 'gc.auto=0', `--git-dir=${this.mirrorDir}`, 'fetch', '--quiet', '--no-tags', '--', this.spec.url, rev] };
      found = yield find();
      if (found.status === 0) return found.stdout.trim();
    }
    return null;
  }

  private check(result: GitResult, what: string, kind: GitErrorKind): void {
    if (result.status === 0) return;
    const lines = result.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
    const why = (lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.at(-1) ?? `git exited with ${result.status ?? 'a signal'}`)
      .split(this.spec.url).join(this.url);
    throw new GitError(kind, `${what}: ${why}`);
  }

  private argv(call: GitCall): [string, string[]] {
    return call.lock ? ['flock', ['-w', String(LOCK_WAIT_SECONDS), this.lockFile, 'git', ...call.args]] : ['git', call.args];
  }

  /** The allow-listed environment of every git call, with the key written to a 0600 file while the operation lasts. */
  private prepare(): { env: Record<string, string>; done: () => void } {
    mkdirSync(this.options.cacheDir, { recursive: true, mode: 0o700 });
    const source = this.options.env ?? process.env;
    let keyFile: string | undefined;
    let done = () => {};
    const credentials = this.spec.credentials;
    if (credentials && 'sshKeyFile' in credentials) keyFile = credentials.sshKeyFile;
    if (credentials && 'sshKeyEnv' in credentials) {
      const key = source[credentials.sshKeyEnv];
      if (!key) throw new GitError('failed', `project.credentials.sshKeyEnv: environment variable ${credentials.sshKeyEnv} is not set`);
      const file = path.join(this.options.keyDir ?? this.options.cacheDir, `.deploy-key-${randomBytes(8).toString('hex')}`);
      // OpenSSH refuses a key file without its final newline ("invalid format").
      writeFileSync(file, key.endsWith('\n') ? key : `${key}\n`, { mode: 0o600, flag: 'wx' });
      keyFile = file;
      done = () => rmSync(file, { force: true });
    }
    return { env: gitEnvironment(source, keyFile, this.options.tmpDir), done };
  }

  private runSync<T>(steps: GitSteps<T>): T {
    const { env, done } = this.prepare();
    try {
      let next = steps.next();
      while (!next.done) {
        const [bin, args] = this.argv(next.value);
        const child = spawnSync(bin, args, {
          cwd: this.options.cacheDir, env, encoding: 'utf8', timeout: GIT_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, stdio: ['ignore', 'pipe', 'pipe'],
        });
        if (child.error && (child.error as NodeJS.ErrnoException).code === 'ENOENT') throw missingTool(bin);
        next = steps.next({ status: child.status, stdout: child.stdout ?? '', stderr: child.error ? child.error.message : (child.stderr ?? '') });
      }
      return next.value;
    } finally {
      done();
    }
  }

  private async runAsync<T>(steps: GitSteps<T>): Promise<T> {
    const { env, done } = this.prepare();
    try {
      let next = steps.next();
      while (!next.done) {
        const [bin, args] = this.argv(next.value);
        const child = await execa(bin, args, {
          cwd: this.options.cacheDir, env, extendEnv: false, reject: false, stdin: 'ignore', timeout: GIT_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES,
        });
        if ((child as { code?: string }).code === 'ENOENT') throw missingTool(bin);
        next = steps.next({ status: child.exitCode ?? null, stdout: String(child.stdout ?? ''), stderr: child.timedOut ? 'git timed out' : String(child.stderr ?? '') });
      }
      return next.value;
    } finally {
      done();
    }
  }
}

function missingTool(bin: string): GitError {
  return new GitError('failed', bin === 'flock' ? 'flock not found on PATH (install util-linux)' : 'git not found on PATH (install git: apt-get install git)');
}
