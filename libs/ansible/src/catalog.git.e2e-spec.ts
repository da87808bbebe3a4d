import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestGitRepo } from '../../../test/support/git-repo.js';
import { CatalogError } from './catalog.error.js';
import { loadCatalog } from './catalog.loader.js';
import { GitError, GitRepository, gitEnvironment, gitSshCommand } from './git-repository.js';
import type { InventoryReader } from './inventory-names.js';

/** The catalog's own rules are under test here, not ansible-inventory (a fake); git is the real one, on a local bare repository. */
const fakeInventory: InventoryReader = (paths) => paths.map(() => ({ hosts: ['localhost'], groups: ['all', 'ungrouped'] }));

let repo: TestGitRepo;
let dir: string;
let cacheDir: string;

beforeAll(() => {
  repo = TestGitRepo.create('catalog-spec');
  dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-catalog-git-'));
  cacheDir = path.join(dir, 'cache');
});

afterAll(() => {
  repo?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function catalogWith(project: string, templates = 'hello:\n    playbook: hello.yml\n    refOverride: true\n'): string {
  const file = path.join(dir, `catalog-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, `project:\n${project}\ninventories:\n  local: inventories/local.ini\ntemplates:\n  ${templates}`);
  return file;
}

function problemsOf(file: string): string[] {
  try {
    loadCatalog(file, { readInventory: fakeInventory, gitCacheDir: cacheDir });
  } catch (error) {
    if (error instanceof CatalogError) return error.problems;
    throw error;
  }
  return [];
}

describe('catalog: a git project', () => {
  it('is checked against the commit its ref names, checked out under the cache dir', () => {
    const file = catalogWith(`  git: ${repo.url}\n  ref: main\n  path: ansible\n  commitUrl: https://git.example.com/ops/playbooks/commit/{sha}`);
    const catalog = loadCatalog(file, { readInventory: fakeInventory, gitCacheDir: cacheDir });
    const sha = repo.revParse('main');
    expect(catalog.git).toMatchObject({ url: repo.url, ref: 'main', path: 'ansible', loadedCommit: sha, loadedRef: 'main' });
    expect(catalog.projectDir).toBe(path.join(cacheDir, 'catalog', sha, 'ansible'));
    expect(catalog.templates.hello?.playbookPath).toBe(path.join(catalog.projectDir, 'hello.yml'));
    expect(catalog.templates.hello?.refOverride).toBe(true);
    expect(readFileSync(catalog.inventories.local ?? '', 'utf8')).toContain('localhost');
  });

  it('without ref: the default branch, by its name', () => {
    const catalog = loadCatalog(catalogWith(`  git: ${repo.url}\n  path: ansible`), { readInventory: fakeInventory, gitCacheDir: cacheDir });
    expect(catalog.git?.loadedRef).toBe('main');
    expect(catalog.git?.loadedCommit).toBe(repo.revParse('main'));
    expect(catalog.templates.hello?.refOverride).toBe(true);
  });

  it('names the playbook and inventory missing at the resolved revision', () => {
    repo.git(repo.work, 'checkout', '--quiet', '-b', 'without-hello');
    repo.git(repo.work, 'rm', '--quiet', 'ansible/hello.yml', 'ansible/inventories/local.ini');
    repo.commit('drop hello');
    repo.push('without-hello');
    repo.git(repo.work, 'checkout', '--quiet', 'main');
    const problems = problemsOf(catalogWith(`  git: ${repo.url}\n  ref: without-hello\n  path: ansible`));
    expect(problems).toEqual([
      expect.stringMatching(/^inventories\.local: file not found: .*inventories\/local\.ini$/),
      expect.stringMatching(/^templates\.hello\.playbook: file not found: .*hello\.yml$/),
    ]);
  });

  it('an unknown ref, a missing path and an unreachable repository are one problem each', () => {
    expect(problemsOf(catalogWith(`  git: ${repo.url}\n  ref: no-such-branch`))).toEqual([
      `project.ref: "no-such-branch" is not a branch, tag or commit of ${repo.url}`,
    ]);
    expect(problemsOf(catalogWith(`  git: ${repo.url}\n  path: nowhere`))).toEqual([
      expect.stringMatching(/^project\.path: nowhere is not a directory at commit [0-9a-f]{40}/),
    ]);
    const gone = `file://${path.join(dir, 'no-such-repo.git')}`;
    const problems = problemsOf(catalogWith(`  git: ${gone}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^project\\.git: cannot reach ${gone}: fatal: .*no-such-repo\\.git`));
  });

  it('refuses option injection, command transports and malformed keys before running git', () => {
    const problems = problemsOf(
      catalogWith(
        [
          '  git: --upload-pack=touch /tmp/slipway-pwned',
          '  ref: --output=/tmp/x',
          '  path: ../outside',
          '  credentials: { sshKeyFile: relative/key }',
          '  commitUrl: https://git.example.com/commit/',
          '  branch: main',
        ].join('\n'),
        'hello:\n    playbook: hello.yml\n',
      ),
    );
    expect(problems).toEqual([
      'project.branch: unknown key (allowed: git, ref, path, credentials, commitUrl)',
      'project.git: must not start with "-"',
      'project.ref: must not start with "-"',
      'project.path: must be a relative path inside the repository',
      'project.credentials.sshKeyFile: must be an absolute path on the host (no blanks, quotes or control characters)',
      'project.commitUrl: must be an http(s) URL with {sha} where the commit goes',
    ]);
    expect(problemsOf(catalogWith('  git: "ext::sh -c touch% /tmp/slipway-pwned"'))[0]).toMatch(/^project\.git: /);
    expect(problemsOf(catalogWith('  git: fd::17'))).toEqual(['project.git: remote helpers ("transport::address") are not allowed']);
    expect(problemsOf(catalogWith(`  git: ${repo.url}\n  credentials: { sshKeyFile: "/k'; touch /tmp/x" }`))).toEqual([
      'project.credentials.sshKeyFile: must be an absolute path on the host (no blanks, quotes or control characters)',
    ]);
    expect(problemsOf(catalogWith(`  git: ${repo.url}\n  credentials: { sshKeyEnv: "1BAD" }`))).toEqual([
      'project.credentials.sshKeyEnv: must be an environment variable name',
    ]);
  });

  it('refOverride means nothing for a local directory, and must be a boolean', () => {
    const local = path.join(dir, 'local.yml');
    writeFileSync(
      local,
      `project: ${path.join(repo.work, 'ansible')}\ninventories:\n  local: inventories/local.ini\ntemplates:\n  a:\n    playbook: hello.yml\n    refOverride: true\n  b:\n    playbook: hello.yml\n    refOverride: "yes"\n`,
    );
    expect(problemsOf(local)).toEqual([
      'templates.a.refOverride: the project is a local directory: only a git project has refs to choose',
      'templates.b.refOverride: must be true or false',
    ]);
  });
});

describe('the example git catalog', () => {
  it('loads once scripts/example-git-repo.mjs has made its repository (what README "Playbooks from git" tells a newcomer)', () => {
    const root = path.resolve(import.meta.dirname, '../../..');
    execFileSync(process.execPath, [path.join(root, 'scripts/example-git-repo.mjs')], { stdio: 'ignore' });
    const catalog = loadCatalog(path.join(root, 'examples/catalog-git.yml'), { readInventory: fakeInventory, gitCacheDir: cacheDir });
    expect(catalog.git?.url).toBe(path.join(root, 'examples/.playbooks.git'));
    expect(catalog.git?.loadedRef).toBe('main');
    expect(Object.keys(catalog.templates)).toEqual(['hello', 'deploy-sim', 'deploy-web']);
    expect(readFileSync(catalog.templates.hello?.playbookPath ?? '', 'utf8')).toBe(readFileSync(path.join(root, 'examples/playbooks/hello.yml'), 'utf8'));
  });
});

describe('git calls: no shell, no option injection, no inherited secrets', () => {
  it('an ext:: transport is never run, even past the catalog check', () => {
    const marker = path.join(dir, 'ext-ran');
    const repository = new GitRepository({ url: `ext::sh -c touch% ${marker}`, path: '' }, { cacheDir });
    expect(() => repository.resolveSync()).toThrow(GitError);
    expect(existsSync(marker)).toBe(false);
  });

  it('a ref that reads as an option is a ref git does not know, never an option', () => {
    const marker = path.join(dir, 'upload-pack-ran');
    const repository = new GitRepository({ url: repo.url, path: '' }, { cacheDir });
    expect(() => repository.resolveSync(`--upload-pack=touch ${marker}`)).toThrow(/is not a branch, tag or commit/);
    expect(existsSync(marker)).toBe(false);
  });

  it('GIT_SSH_COMMAND quotes the key path: the shell git runs it with sees it as one argument', () => {
    const marker = path.join(dir, 'ssh-command-ran');
    const keyFile = `/keys/it's; touch ${marker}; $(touch ${marker}) \`touch ${marker}\``;
    const command = gitSshCommand(keyFile).replace(/^'ssh'/, "printf '%s\\n'");
    const argv = execFileSync('sh', ['-c', command], { encoding: 'utf8' }).split('\n').slice(0, -1);
    expect(argv).toEqual(['-o', 'BatchMode=yes', '-i', keyFile, '-o', 'IdentitiesOnly=yes']);
    expect(existsSync(marker)).toBe(false);
  });

  it("git gets an allow-listed environment: never the service's settings, never a prompt", () => {
    const env = gitEnvironment({ PATH: '/usr/bin', HOME: '/home/s', DATABASE_URL: 'mysql://root:pw@db/slipway', SLIPWAY_BOOTSTRAP_TOKEN: 'x', GIT_DIR: '/etc', GIT_SSH_COMMAND: 'sh -c evil' });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/s',
      GIT_TERMINAL_PROMPT: '0',
      GCM_INTERACTIVE: 'never',
      GIT_ALLOW_PROTOCOL: 'file:git:http:https:ssh',
      GIT_SSH_COMMAND: "'ssh' '-o' 'BatchMode=yes'",
    });
  });
});
