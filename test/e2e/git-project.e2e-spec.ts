import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { startCli } from '../support/cli-runner.js';
import { TestGitRepo } from '../support/git-repo.js';
import { type RunningApi, type ServiceProcess, runNode, runProcesses, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';

/** Start-up reads the catalog (git fetch, ansible-inventory): slow on a machine busy with other suites. */
const START_TIMEOUT_MS = 180_000;
const COMMIT_URL = 'https://git.example.com/ops/playbooks/commit/{sha}';

const versionPlaybook = (version: string) => `- hosts: all
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.debug: { msg: "playbook version ${version}" }
`;

/** Leaves a mark in its checkout, says where it runs, waits, then lists every mark it can see there. */
const SANDBOX_PLAYBOOK = `- hosts: all
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.copy: { content: "{{ who }}", dest: "{{ playbook_dir }}/marker-{{ who }}" }
    - ansible.builtin.debug: { msg: "sandbox {{ who }} runs in {{ playbook_dir }}" }
    - ansible.builtin.pause: { seconds: "{{ seconds }}" }
    - ansible.builtin.find: { paths: "{{ playbook_dir }}", patterns: "marker-*" }
      register: marks
    - ansible.builtin.debug: { msg: "marks={{ marks.files | map(attribute='path') | map('basename') | sort | join(',') }}" }
`;

function catalogFor(url: string): Record<string, unknown> {
  const sandbox = (who: string) => ({
    playbook: 'sandbox.yml',
    timeout: 900,
    vars: { who: { type: 'string', default: who }, seconds: { type: 'integer', default: 4, min: 1, max: 600 } },
  });
  return {
    project: { git: url, ref: 'main', path: 'ansible', commitUrl: COMMIT_URL },
    inventories: { local: 'inventories/local.ini' },
    templates: {
      version: { playbook: 'version.yml', timeout: 900, vars: {} },
      'version-any': { playbook: 'version.yml', timeout: 900, vars: {}, refOverride: true },
      'secret-any': { playbook: 'version.yml', timeout: 900, vars: { token: { type: 'string', secret: true } }, refOverride: true },
      'sandbox-a': sandbox('a'),
      'sandbox-b': sandbox('b'),
    },
  };
}

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex -- ANSI colour codes

/** The checkout a sandbox release ran in, from its log. */
function sandboxDir(log: string, who: string): string {
  const dir = new RegExp(`sandbox ${who} runs in (\\S+)`).exec(plain(log))?.[1];
  if (!dir) throw new Error(`no "sandbox ${who} runs in" line in:\n${log}`);
  return dir;
}

function runDirsOf(root: string): string[] {
  return existsSync(root) ? readdirSync(root).filter((name) => name.startsWith('release-')) : [];
}

/** Whether the bare mirror under `cacheDir` has `sha` (a worker's cache on its host). */
function mirrorHas(cacheDir: string, sha: string): boolean {
  const mirror = existsSync(cacheDir) ? readdirSync(cacheDir).find((name) => name.endsWith('.git')) : undefined;
  if (!mirror) return false;
  try {
    execFileSync('git', [`--git-dir=${join(cacheDir, mirror)}`, 'cat-file', '-e', `${sha}^{commit}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('playbooks from git, pinned per release', () => {
  let env: TestEnv;
  let repo: TestGitRepo;
  let dir: string;
  let cacheA: string;
  let api: RunningApi;
  let worker: ServiceProcess;
  let bot: ApiClient;
  const extraWorkers: ServiceProcess[] = [];

  const workerEnv = (overrides: Record<string, string> = {}) => ({ ...env.env, SLIPWAY_GIT_CACHE_DIR: cacheA, ...overrides });
  const finished = (release: ReleaseJson, timeoutMs = 240_000) =>
    bot.waitForRelease(release.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], timeoutMs).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n--- worker output ---\n${worker.output.slice(-4000)}`);
    });
  /** Waits for the end and expects success, saying why not. */
  const succeeded = async (release: ReleaseJson) => {
    const done = await finished(release);
    expect(done.status, `${done.reason ?? ''}\n${plain(await bot.log(release.id))}`).toBe('succeeded');
    return done;
  };

  beforeAll(async () => {
    env = await createTestEnv('git-project');
    repo = TestGitRepo.create('e2e');
    repo.commit('version and sandbox playbooks', { 'ansible/version.yml': versionPlaybook('one'), 'ansible/sandbox.yml': SANDBOX_PLAYBOOK });
    repo.push('main');
    dir = mkdtempSync(join(tmpdir(), 'slipway-git-e2e-'));
    cacheA = join(dir, 'cache-a');
    env.env.SLIPWAY_CATALOG = join(dir, 'catalog.yml');
    writeFileSync(env.env.SLIPWAY_CATALOG, stringify(catalogFor(repo.url)));
    // The API's own cache: the API and each worker could be on different hosts.
    api = await startApi({ ...env.env, SLIPWAY_GIT_CACHE_DIR: join(dir, 'cache-api') }, START_TIMEOUT_MS);
    worker = await startWorker(workerEnv(), START_TIMEOUT_MS);
    const admin = new ApiClient(api.url, env.bootstrapToken);
    bot = new ApiClient(api.url, await createToken(admin, 'git-bot', 'deployer'));
  }, 300_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop(), ...extraWorkers.map((w) => w.stop())]);
    await env?.cleanup();
    repo?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a release records the commit main names; after a push a new release runs the new commit, a re-run the old one', async () => {
    const first = await bot.createRelease({ template: 'version' });
    const oldSha = repo.revParse('main');
    expect(first).toMatchObject({ commitSha: oldSha, ref: 'main', commitUrl: COMMIT_URL.replace('{sha}', oldSha) });
    await succeeded(first);
    expect(plain(await bot.log(first.id))).toContain('playbook version one');

    const newSha = repo.commit('version two', { 'ansible/version.yml': versionPlaybook('two') });
    repo.push('main');
    expect(newSha).not.toBe(oldSha);
    const second = await bot.createRelease({ template: 'version' });
    expect(second.commitSha).toBe(newSha);
    await succeeded(second);
    const secondLog = plain(await bot.log(second.id));
    expect(secondLog).toContain('playbook version two');
    expect(secondLog).toContain(`[slipway] commit ${newSha} (main)`);

    const rerun = await bot.request<ReleaseJson>('POST', `/api/v1/releases/${first.id}/rerun`);
    expect(rerun.status, rerun.text).toBe(201);
    expect(rerun.body).toMatchObject({ commitSha: oldSha, ref: 'main', rerunOf: first.id });
    await succeeded(rerun.body);
    const rerunLog = plain(await bot.log(rerun.body.id));
    expect(rerunLog).toContain('playbook version one');
    expect(rerunLog).not.toContain('playbook version two');

    const latest = await bot.request<ReleaseJson>('POST', `/api/v1/releases/${first.id}/rerun`, { latest: true });
    expect(latest.status, latest.text).toBe(201);
    expect(latest.body.commitSha).toBe(newSha);
    await succeeded(latest.body);
    expect(plain(await bot.log(latest.body.id))).toContain('playbook version two');

    // The CLI shows the commit, its ref and the link.
    const cliEnv = { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: bot.token ?? '' };
    const shown = await startCli(['release', 'show', String(first.id)], cliEnv).done;
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^commit +${oldSha} \\(main\\)$`, 'm'));
    expect(shown.stdout).toMatch(new RegExp(`^commit url +${COMMIT_URL.replace('{sha}', oldSha).replace(/[.]/g, '\\.')}$`, 'm'));
  }, 900_000);

  it('ref: allowed only where the template says refOverride; an unknown or option-like ref is a 400 naming it', async () => {
    repo.git(repo.work, 'checkout', '--quiet', '-b', 'feature');
    const featureSha = repo.commit('feature version', { 'ansible/version.yml': versionPlaybook('feature') });
    repo.push('feature');
    repo.git(repo.work, 'checkout', '--quiet', 'main');

    const allowed = await bot.createRelease({ template: 'version-any', ref: 'feature' });
    expect(allowed).toMatchObject({ commitSha: featureSha, ref: 'feature' });
    await succeeded(allowed);
    expect(plain(await bot.log(allowed.id))).toContain('playbook version feature');

    // A commit id (abbreviated too) is a ref as well.
    const byCommit = await bot.createRelease({ template: 'version-any', ref: featureSha.slice(0, 10) });
    expect(byCommit.commitSha).toBe(featureSha);
    expect((await bot.request('POST', `/api/v1/releases/${byCommit.id}/cancel`)).status).toBeLessThan(300);

    // The newest release before the refusals: none of them may create one.
    const newestId = async () => (await bot.request<{ items: { id: number }[] }>('GET', '/api/v1/releases?limit=1')).body.items[0]?.id;
    const before = await newestId();
    const refused = await bot.request<{ errors: { field: string; message: string }[] }>('POST', '/api/v1/releases', { template: 'version', ref: 'feature' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'ref', message: expect.stringContaining('does not set refOverride') }]);

    const unknown = await bot.request<{ errors: { field: string; message: string }[] }>('POST', '/api/v1/releases', { template: 'version-any', ref: 'no-such-branch' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'ref', message: expect.stringContaining('"no-such-branch" is not a branch, tag or commit') }]);

    const marker = join(dir, 'pwned');
    for (const ref of [`--upload-pack=touch ${marker}`, 'main;touch /tmp/x', 'HEAD@{1}', '../main']) {
      const attack = await bot.request<{ errors: { field: string }[] }>('POST', '/api/v1/releases', { template: 'version-any', ref });
      expect(attack.status, ref).toBe(400);
      expect(attack.body.errors.map((e) => e.field)).toEqual(['ref']);
    }
    expect(existsSync(marker)).toBe(false);

    const rerunRefused = await bot.request<{ errors: { field: string }[] }>('POST', `/api/v1/releases/${allowed.id - 1}/rerun`, { ref: 'feature' });
    expect(rerunRefused.status).toBe(400);
    const both = await bot.request<{ errors: { field: string }[] }>('POST', `/api/v1/releases/${allowed.id}/rerun`, { ref: 'main', latest: true });
    expect(both.status).toBe(400);
    expect(await newestId()).toBe(before);

    const rerunOther = await bot.request<ReleaseJson>('POST', `/api/v1/releases/${allowed.id}/rerun`, { ref: 'main' });
    expect(rerunOther.status, rerunOther.text).toBe(201);
    expect(rerunOther.body).toMatchObject({ commitSha: repo.revParse('main'), ref: 'main' });
    await succeeded(rerunOther.body);
  }, 900_000);

  it("a rerun on another ref does not hand the original's secret values to that ref's playbook: refused naming them unless given again", async () => {
    repo.git(repo.work, 'checkout', '--quiet', '-b', 'evil');
    const evilSha = repo.commit('evil version', { 'ansible/version.yml': versionPlaybook('evil') });
    repo.push('evil');
    repo.git(repo.work, 'checkout', '--quiet', 'main');
    const admin = new ApiClient(api.url, env.bootstrapToken);
    const original = await admin.createRelease({ template: 'secret-any', extraVars: { token: 'admins-secret-token' }, runAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(original.ref).toBe('main');
    const newestId = async () => (await bot.request<{ items: { id: number }[] }>('GET', '/api/v1/releases?limit=1')).body.items[0]?.id;
    const before = await newestId();
    for (const who of [bot, admin]) {
      // Another person or the same one: another ref never gets the stored value.
      const refused = await who.request<{ errors: { field: string; message: string }[] }>('POST', `/api/v1/releases/${original.id}/rerun`, { ref: 'evil' });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.body.errors).toEqual([{ field: 'extraVars.token', message: expect.stringContaining('give it again') }]);
      expect(refused.text).not.toContain('admins-secret-token');
    }
    expect(await newestId()).toBe(before);

    // The same person on the same ref keeps the stored value; another ref works once the value is given again.
    const same = await admin.request<ReleaseJson>('POST', `/api/v1/releases/${original.id}/rerun`);
    expect(same.status, same.text).toBe(201);
    expect(same.body).toMatchObject({ ref: 'main', secretVars: ['token'], extraVars: { token: '********' } });
    const given = await bot.request<ReleaseJson>('POST', `/api/v1/releases/${original.id}/rerun`, { ref: 'evil', extraVars: { token: 'bots-own-token' } });
    expect(given.status, given.text).toBe(201);
    expect(given.body).toMatchObject({ ref: 'evil', commitSha: evilSha, requestedBy: 'git-bot', extraVars: { token: '********' } });
    for (const id of [original.id, same.body.id, given.body.id]) await admin.request('POST', `/api/v1/releases/${id}/cancel`);
  }, 600_000);

  it('two releases of the project at once run in two private checkouts that are gone afterwards', async () => {
    const [a, b] = await Promise.all([bot.createRelease({ template: 'sandbox-a' }), bot.createRelease({ template: 'sandbox-b' })]);
    const [doneA, doneB] = await Promise.all([finished(a), finished(b)]);
    expect([doneA.status, doneB.status]).toEqual(['succeeded', 'succeeded']);
    // They overlapped: each started before the other finished.
    expect(Date.parse(String(doneA.startedAt))).toBeLessThan(Date.parse(String(doneB.finishedAt)));
    expect(Date.parse(String(doneB.startedAt))).toBeLessThan(Date.parse(String(doneA.finishedAt)));
    const [logA, logB] = [plain(await bot.log(a.id)), plain(await bot.log(b.id))];
    const [dirA, dirB] = [sandboxDir(logA, 'a'), sandboxDir(logB, 'b')];
    expect(dirA).not.toBe(dirB);
    expect(dirA.startsWith(`${env.runDir}/`) && dirB.startsWith(`${env.runDir}/`)).toBe(true);
    expect(logA).toContain('marks=marker-a\n');
    expect(logB).toContain('marks=marker-b\n');
    expect(existsSync(dirA) || existsSync(dirB)).toBe(false);
    expect(runDirsOf(env.runDir)).toEqual([]);
  }, 600_000);

  it('a worker SIGKILLed mid-run: the restarted worker removes the checkout and marks the release interrupted', async () => {
    const release = await bot.createRelease({ template: 'sandbox-a', extraVars: { seconds: 120 } });
    const log = await waitFor('the sandbox to say where it runs', async () => (plain(await bot.log(release.id)).includes('sandbox a runs in') ? bot.log(release.id) : undefined), { timeoutMs: 240_000 });
    const checkout = sandboxDir(log, 'a');
    expect(existsSync(checkout)).toBe(true);
    worker.signal('SIGKILL');
    await worker.exited;
    worker = await startWorker(workerEnv(), START_TIMEOUT_MS);
    const done = await finished(release);
    expect(done.status).toBe('interrupted');
    expect(existsSync(checkout)).toBe(false);
    expect(runDirsOf(env.runDir)).toEqual([]);
    expect(runProcesses(env.runDir)).toEqual([]);
  }, 600_000);

  it('a commit the worker cannot fetch fails the release with the reason', async () => {
    const sha = repo.commit('not fetched yet', { 'ansible/version.yml': versionPlaybook('unfetched') });
    repo.push('main');
    // Created (and pinned) while the repository is there; it is gone when the worker fetches.
    const release = await bot.createRelease({ template: 'version', runAt: new Date(Date.now() + 3_000).toISOString() });
    expect(release.commitSha).toBe(sha);
    const moved = `${repo.bare}.away`;
    renameSync(repo.bare, moved);
    try {
      const done = await finished(release);
      expect(done.status).toBe('failed');
      expect(done.reason).toMatch(new RegExp(`^git: commit ${sha} cannot be fetched: cannot fetch from ${repo.url}: fatal: .*\\(worker `));
    } finally {
      renameSync(moved, repo.bare);
    }
    // And with the repository back, the same commit runs.
    const again = await bot.request<ReleaseJson>('POST', `/api/v1/releases/${release.id}/rerun`);
    expect(again.body.commitSha).toBe(sha);
    await succeeded(again.body);
    expect(plain(await bot.log(again.body.id))).toContain('playbook version unfetched');
  }, 600_000);

  it('two workers with their own run and cache dirs, sharing only Redis, MariaDB and the URL, both run the same commit; each fetches it', async () => {
    await worker.stop();
    const cacheB = join(dir, 'cache-b');
    const runB = join(dir, 'runs-b');
    worker = await startWorker(workerEnv({ WORKER_CONCURRENCY: '1', SLIPWAY_WORKER_ID: 'host-a' }), START_TIMEOUT_MS);
    const workerB = await startWorker(workerEnv({ WORKER_CONCURRENCY: '1', SLIPWAY_WORKER_ID: 'host-b', SLIPWAY_GIT_CACHE_DIR: cacheB, SLIPWAY_RUN_DIR: runB }), START_TIMEOUT_MS);
    extraWorkers.push(workerB);
    const sha = repo.commit('for two hosts', { 'ansible/version.yml': versionPlaybook('two hosts') });
    repo.push('main');
    expect(mirrorHas(cacheA, sha) || mirrorHas(cacheB, sha)).toBe(false);

    const [a, b] = await Promise.all([bot.createRelease({ template: 'sandbox-a' }), bot.createRelease({ template: 'sandbox-b' })]);
    const [doneA, doneB] = await Promise.all([finished(a), finished(b)]);
    expect([doneA.status, doneB.status]).toEqual(['succeeded', 'succeeded']);
    expect([doneA.commitSha, doneB.commitSha]).toEqual([sha, sha]);
    expect(new Set([doneA.workerId, doneB.workerId])).toEqual(new Set(['host-a', 'host-b']));
    expect(mirrorHas(cacheA, sha) && mirrorHas(cacheB, sha)).toBe(true);
    const dirs = [sandboxDir(await bot.log(a.id), 'a'), sandboxDir(await bot.log(b.id), 'b')];
    const runRoots = [doneA, doneB].map((r) => (r.workerId === 'host-a' ? env.runDir : runB));
    dirs.forEach((d, i) => expect(d.startsWith(`${runRoots[i]}/`), d).toBe(true));
    expect([...runDirsOf(env.runDir), ...runDirsOf(runB)]).toEqual([]);
  }, 600_000);
});

describe('a git project that cannot be reached at start-up', () => {
  it('API and worker each stop with one line naming the repository and the reason', async () => {
    const env = await createTestEnv('git-unreachable');
    const dir = mkdtempSync(join(tmpdir(), 'slipway-git-gone-'));
    try {
      const url = `file://${join(dir, 'no-such-repo.git')}`;
      const catalog = join(dir, 'catalog.yml');
      writeFileSync(catalog, stringify({ ...catalogFor(url) }));
      for (const entry of ['dist/apps/api/main.js', 'dist/apps/worker/main.js']) {
        const { code, output } = await runNode(entry, { ...env.env, SLIPWAY_CATALOG: catalog, SLIPWAY_GIT_CACHE_DIR: join(dir, 'cache') });
        expect(code, output).toBe(1);
        const lines = output.split('\n').filter((line) => line.includes('no-such-repo'));
        expect(lines, output).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`project\\.git: cannot reach ${url}: fatal: `));
      }
    } finally {
      await env.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
