#!/usr/bin/env node
// Makes (or updates) a local bare git repository holding examples/playbooks, for examples/catalog-git.yml:
//   node scripts/example-git-repo.mjs && SLIPWAY_CATALOG=examples/catalog-git.yml npm start
// Each run commits examples/playbooks as it is now to `main`, so an edit there followed by another run is
// "a push" the next release picks up (and a re-run of an older release still runs its own commit).
// git only, argv only (no shell); nothing leaves this machine.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const bare = resolve(process.argv[2] ?? join(root, 'examples', '.playbooks.git'));
const identity = ['-c', 'user.name=Slipway example', '-c', 'user.email=example@slipway.invalid', '-c', 'commit.gpgsign=false'];
const git = (cwd, ...args) => execFileSync('git', [...identity, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

if (!existsSync(join(bare, 'HEAD'))) git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
const work = mkdtempSync(join(tmpdir(), 'slipway-example-repo-'));
try {
  git(work, 'init', '--quiet', '--initial-branch=main');
  const hasMain = git(bare, 'for-each-ref', '--format=%(refname)', 'refs/heads/main') !== '';
  if (hasMain) {
    git(work, 'fetch', '--quiet', '--', bare, 'main');
    git(work, 'reset', '--quiet', '--soft', 'FETCH_HEAD');
  }
  // The repository holds the playbooks under ansible/ (the catalog's `path:`), as many real ones do.
  rmSync(join(work, 'ansible'), { recursive: true, force: true });
  cpSync(join(root, 'examples', 'playbooks'), join(work, 'ansible'), { recursive: true });
  git(work, 'add', '-A');
  const changed = !hasMain || git(work, 'status', '--porcelain') !== '';
  if (changed) git(work, 'commit', '--quiet', '-m', hasMain ? 'Update the example playbooks' : 'The example playbooks');
  git(work, 'push', '--quiet', '--', bare, 'HEAD:refs/heads/main');
  const sha = git(bare, 'rev-parse', 'main');
  process.stdout.write(`${bare}: main is ${sha}${changed ? '' : ' (unchanged)'}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
