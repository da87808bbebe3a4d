import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, screenshot, signInWithToken } from '../support/browser.js';
import { TestGitRepo } from '../support/git-repo.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

const COMMIT_URL = 'https://git.example.com/ops/playbooks/commit/{sha}';

/** Issue 13: the release page shows the commit a release of a git project ran, linked by the catalog's commitUrl. */
describe('release page: the commit of a git project', () => {
  let env: TestEnv;
  let repo: TestGitRepo;
  let dir: string;
  let api: RunningApi;
  let worker: ServiceProcess;
  let viewerToken: string;
  let browser: TestBrowser;
  let page: Page;
  let release: ReleaseJson;

  beforeAll(async () => {
    env = await createTestEnv('commit-page');
    repo = TestGitRepo.create('browser');
    dir = mkdtempSync(join(tmpdir(), 'slipway-commit-page-'));
    env.env.SLIPWAY_CATALOG = join(dir, 'catalog.yml');
    env.env.SLIPWAY_GIT_CACHE_DIR = join(dir, 'cache');
    writeFileSync(
      env.env.SLIPWAY_CATALOG,
      stringify({
        project: { git: repo.url, ref: 'main', path: 'ansible', commitUrl: COMMIT_URL },
        inventories: { local: 'inventories/local.ini' },
        templates: { hello: { playbook: 'hello.yml', timeout: 300 } },
      }),
    );
    api = await startApi(env.env, 180_000);
    worker = await startWorker(env.env, 180_000);
    const admin = new ApiClient(api.url, env.bootstrapToken);
    viewerToken = await createToken(admin, 'commit-viewer', 'viewer');
    const deployer = new ApiClient(api.url, await createToken(admin, 'commit-deployer', 'deployer'));
    const created = await deployer.createRelease({ template: 'hello' });
    release = await deployer.waitForRelease(created.id, ['succeeded', 'failed'], 300_000);
    expect(release.status, await deployer.log(created.id)).toBe('succeeded');
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    repo?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the commit main named when it was created, its ref, and links it to the commit page', async () => {
    const sha = repo.revParse('main');
    expect(release.commitSha).toBe(sha);
    await signInWithToken(page, api.url, viewerToken);
    await page.goto(`${api.url}/releases/${release.id}`);
    const commit = page.getByTestId('release-commit');
    await commit.waitFor();
    await screenshot(page, 'release-commit', { fullPage: true });
    expect(await commit.textContent()).toBe(`${sha.slice(0, 12)} (main)`);
    const link = commit.getByRole('link');
    expect(await link.getAttribute('href')).toBe(COMMIT_URL.replace('{sha}', sha));
    expect(await link.getAttribute('title')).toBe(sha);
    expect(browser.pageErrors).toEqual([]);
  });
});
