import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const EXAMPLE_PLAYBOOKS = resolve(import.meta.dirname, '../../examples/playbooks');
const IDENTITY = ['-c', 'user.name=Slipway Test', '-c', 'user.email=test@slipway.invalid', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false'];

/**
 * A real git repository for a test: a bare repository served as file://, and a work clone the test commits
 * to and pushes from (as a release engineer would). Argv only.
 */
export class TestGitRepo {
  readonly root: string;
  readonly bare: string;
  readonly work: string;

  private constructor(root: string) {
    this.root = root;
    this.bare = join(root, 'playbooks.git');
    this.work = join(root, 'work');
  }

  get url(): string {
    return pathToFileURL(this.bare).href;
  }

  /** `git init --bare`, then the example playbooks under `subdir` ('' for the root) committed and pushed to main. */
  static create(name: string, subdir = 'ansible'): TestGitRepo {
    const repo = new TestGitRepo(mkdtempSync(join(tmpdir(), `slipway-git-${name}-`)));
    repo.git(repo.root, 'init', '--quiet', '--bare', repo.bare);
    repo.git(repo.root, 'init', '--quiet', repo.work);
    cpSync(EXAMPLE_PLAYBOOKS, join(repo.work, subdir), { recursive: true });
    repo.commit('example playbooks');
    repo.git(repo.work, 'remote', 'add', 'origin', repo.bare);
    repo.push('main');
    return repo;
  }

  git(cwd: string, ...args: string[]): string {
    return execFileSync('git', [...IDENTITY, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  /** Writes files (path relative to the work tree → content), commits them, returns the new commit id. */
  commit(message: string, files: Record<string, string> = {}): string {
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(this.work, file)), { recursive: true });
      writeFileSync(join(this.work, file), content);
    }
    this.git(this.work, 'add', '-A');
    this.git(this.work, 'commit', '--quiet', '-m', message);
    return this.git(this.work, 'rev-parse', 'HEAD');
  }

  push(branch: string): void {
    this.git(this.work, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
  }

  /** `git rev-parse <rev>` in the bare repository (what a release must record). */
  revParse(rev: string): string {
    return this.git(this.bare, 'rev-parse', rev);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
