import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, screenshot, signInWithToken } from '../support/browser.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

const VAR_SECRET = `wr-browser-${randomBytes(6).toString('hex')}`;
const TAG_SECRET = `wr-tag-${randomBytes(6).toString('hex')}`;

/** Issue 13: the release page's "What ran" card, in Chromium, for a release with secrets. */
describe('release page: what ran', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let dir: string;
  let token: string;
  let browser: TestBrowser;
  let page: Page;
  let release: ReleaseJson;

  beforeAll(async () => {
    env = await createTestEnv('what-ran-page');
    dir = mkdtempSync(join(tmpdir(), 'slipway-what-ran-page-'));
    env.env.SLIPWAY_CATALOG = join(dir, 'catalog.yml');
    writeFileSync(
      env.env.SLIPWAY_CATALOG,
      [
        `project: ${resolve(REPO_ROOT, 'examples/playbooks')}`,
        'inventories:',
        '  local: inventories/local.ini',
        'templates:',
        '  secret-echo:',
        '    playbook: secret-echo.yml',
        '    vars:',
        '      db_password: { type: string, secret: true, required: true }',
        '      api_token: { type: string, secret: true, default: catalog-default-token }',
        '',
      ].join('\n'),
    );
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    token = await createToken(new ApiClient(api.url, env.bootstrapToken), 'what-ran-viewer', 'viewer');
    const deployer = new ApiClient(api.url, await createToken(new ApiClient(api.url, env.bootstrapToken), 'what-ran-deployer', 'deployer'));
    // api_token's value is also given as a tag: the recorded command must mask it there too.
    const created = await deployer.createRelease({ template: 'secret-echo', extraVars: { db_password: VAR_SECRET, api_token: TAG_SECRET }, tags: [TAG_SECRET] });
    release = await deployer.waitForRelease(created.id, ['succeeded', 'failed'], 300_000);
    expect(release.status, await deployer.log(created.id)).toBe('succeeded');
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the command as run (the user\'s own tag as given, no secret var), the ansible-core version and the catalog digest', async () => {
    await signInWithToken(page, api.url, token);
    await page.goto(`${api.url}/releases/${release.id}`);
    const section = page.getByRole('region', { name: 'What ran' });
    await section.waitFor();
    await screenshot(page, 'what-ran', { fullPage: true });

    const command = (await section.getByTestId('what-ran-argv').locator('dd').textContent()) ?? '';
    // The tag is what the user typed, shown as given even though it equals a secret var's value: masking it
    // would confirm a guess of the secret (issue 20 item 4).
    expect(command).toMatch(new RegExp(`^ansible-playbook -i \\S+local\\.ini -e @\\S+extra-vars\\.yml --tags=${TAG_SECRET} \\S+secret-echo\\.yml$`));
    const version = /\[core ([^\]\s]+)\]/.exec((await execa('ansible-playbook', ['--version'])).stdout)?.[1];
    expect(await section.getByTestId('what-ran-ansibleVersion').locator('dd').textContent()).toBe(version);
    expect(await section.getByTestId('what-ran-catalogDigest').locator('dd').textContent()).toBe(release.catalogDigest);
    expect(await section.getByText('ansible-core').isVisible()).toBe(true);
    // The secret var's value shows nowhere.
    expect(await page.content()).not.toContain(VAR_SECRET);
    expect(browser.pageErrors).toEqual([]);
  });
});
