import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, screenshot } from '../support/browser.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';

/**
 * Issues 10.1 and 14.7: the New release form renders a template's declared vars (GET /api/v1/templates
 * `vars`, JSON Schema) as typed fields, shows every error at its field with the label on screen, never
 * shows a secret back; a viewer is told why they cannot start releases; the log search counter.
 * Real API, worker, MariaDB, Redis and ansible; the catalog is test/fixtures/dashboard-catalog.yml.
 */
describe('New release form in a browser', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let deployer: ApiClient;
  let deployerToken: string;
  let viewerToken: string;
  let browser: TestBrowser;
  let page: Page;
  const secret = `s3cret-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    env = await createTestEnv('dash_form');
    env.env.SLIPWAY_CATALOG = resolve(REPO_ROOT, 'test/fixtures/dashboard-catalog.yml');
    api = await startApi(env.env);
    const admin = new ApiClient(api.url, env.bootstrapToken);
    const token = async (name: string, role: string) => {
      const response = await admin.request<{ token: string }>('POST', '/api/v1/tokens', { name, role });
      if (response.status !== 201) throw new Error(`creating token ${name} answered ${response.status}: ${response.text}`);
      return response.body.token;
    };
    deployerToken = await token('form-engineer', 'deployer');
    viewerToken = await token('form-viewer', 'viewer');
    deployer = new ApiClient(api.url, deployerToken);
    worker = await startWorker({ ...env.env, WORKER_HEARTBEAT_MS: '1000' });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(api.url);
    await page.getByLabel('API token').fill(deployerToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Releases' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  async function releaseCount(): Promise<number> {
    return Number((await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM releases'))[0].n);
  }

  /** The error shown at a field, found by the field it belongs to (never by its text). */
  function errorAt(field: string) {
    return page.locator(`.field-error[data-field="${field}"]`);
  }

  it('renders every declared var as a typed field with its default, bounds, help and required mark', async () => {
    await page.goto(`${api.url}/releases/new?template=typed-vars`);
    // The select is there before the catalog has arrived; its fields appear with the template.
    await page.getByLabel('version').waitFor();
    expect(await page.getByLabel('Template').inputValue()).toBe('typed-vars');

    const version = page.getByLabel('version');
    expect(await version.getAttribute('type')).toBe('text');
    expect(await version.getAttribute('aria-required')).toBe('true');
    expect(await page.locator('label[for="var-version"]').textContent()).toContain('*');
    // The description is the field's help text, tied to it for screen readers.
    const versionHelp = await version.getAttribute('aria-describedby');
    expect(await page.locator(`#${versionHelp}`).textContent()).toContain('Release to deploy');

    const canary = page.getByLabel('canary');
    expect(await canary.getAttribute('type')).toBe('number');
    expect([await canary.getAttribute('min'), await canary.getAttribute('max'), await canary.getAttribute('step')]).toEqual(['0', '100', '1']);
    expect(await canary.inputValue()).toBe('10');
    expect(await page.locator('label[for="var-canary"]').textContent()).not.toContain('*');

    const ratio = page.getByLabel('ratio');
    expect(await ratio.getAttribute('type')).toBe('number');
    expect(await ratio.getAttribute('step')).toBe('any');
    expect(await ratio.inputValue()).toBe('0.5');

    const rollout = page.getByLabel('rollout');
    expect(await rollout.evaluate((el) => el.tagName)).toBe('SELECT');
    expect(await rollout.locator('option').allTextContents()).toEqual(['rolling', 'blue-green']);
    expect(await rollout.inputValue()).toBe('rolling');

    const announce = page.getByLabel('announce');
    expect(await announce.getAttribute('type')).toBe('checkbox');
    expect(await announce.isChecked()).toBe(true);

    const regions = page.getByLabel('regions');
    expect(await regions.evaluate((el) => el.tagName)).toBe('TEXTAREA');
    expect(await regions.inputValue()).toBe('eu-west\nus-east');

    const password = page.getByLabel('db_password');
    expect(await password.getAttribute('type')).toBe('password');
    expect(await password.inputValue()).toBe('');

    // openVars is false: no free key/value rows.
    expect(await page.getByRole('button', { name: '+ Add variable' }).count()).toBe(0);
    await screenshot(page, 'form-01-typed-vars', { fullPage: true });
  });

  it('checks each rule at its field before sending, and changes nothing', async () => {
    await page.getByLabel('version').fill('one.two');
    await page.getByLabel('canary').fill('500');
    await page.getByLabel('ratio').fill('');
    await page.getByRole('button', { name: 'Start release' }).click();

    await errorAt('extraVars.version').waitFor();
    expect(await errorAt('extraVars.version').textContent()).toMatch(/^version .*pattern/);
    expect(await errorAt('extraVars.canary').textContent()).toMatch(/^canary .*at most 100/);
    expect(await page.getByLabel('version').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('canary').getAttribute('aria-invalid')).toBe('true');
    // The first field in error has the focus.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('var-version');
    expect(new URL(page.url()).pathname).toBe('/releases/new');
    expect(await releaseCount()).toBe(0);

    // Fixing a field clears its error as soon as it is valid.
    await page.getByLabel('version').fill('1.2.3');
    expect(await errorAt('extraVars.version').count()).toBe(0);
    await page.getByLabel('canary').fill('20');
    await page.getByLabel('db_password').fill('');
    await page.getByLabel('version').fill('');
    await page.getByRole('button', { name: 'Start release' }).click();
    await errorAt('extraVars.version').waitFor();
    expect(await errorAt('extraVars.version').textContent()).toMatch(/^version is required/);
    expect(await releaseCount()).toBe(0);
  });

  it("shows the server's errors at their fields, all at once, with the labels on screen", async () => {
    await page.getByLabel('version').fill('1.2.3');
    await page.getByLabel('ratio').fill('0.25');
    // Rules only the server checks: a start time in the past, a limit starting with "-".
    await page.getByLabel('Start time').fill('2001-01-01T10:00');
    await page.getByLabel('Limit').fill('--become');
    await page.getByRole('button', { name: 'Start release' }).click();

    await errorAt('runAt').waitFor();
    await errorAt('limit').waitFor();
    const runAtError = (await errorAt('runAt').textContent()) ?? '';
    const limitError = (await errorAt('limit').textContent()) ?? '';
    expect(runAtError).toMatch(/^Start time\b/);
    expect(runAtError).not.toContain('runAt');
    expect(limitError).toMatch(/^Limit\b/);
    expect(limitError).not.toMatch(/^limit/);
    expect(await page.getByLabel('Start time').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'form-02-server-errors', { fullPage: true });
    expect(await releaseCount()).toBe(0);
  });

  it('starts the release with typed values; the secret is never shown back', async () => {
    await page.getByLabel('Start time').fill('');
    await page.getByLabel('Limit').fill('');
    await page.getByLabel('canary').fill('20');
    await page.getByLabel('rollout').selectOption('blue-green');
    await page.getByLabel('announce').uncheck();
    await page.getByLabel('regions').fill('eu-west\nus-east\nap-south\n');
    await page.getByLabel('db_password').fill(secret);
    await page.getByRole('button', { name: 'Start release' }).click();
    await page.waitForURL(/\/releases\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split('/').pop());

    const release = await deployer.getRelease(id);
    expect(release.extraVars).toEqual({
      version: '1.2.3',
      canary: 20,
      ratio: 0.25,
      rollout: 'blue-green',
      announce: false,
      regions: ['eu-west', 'us-east', 'ap-south'],
      db_password: '********',
    });
    await page.locator('[data-testid="release-status"] [data-status="succeeded"]').waitFor({ timeout: 90_000 });
    expect(await page.content()).not.toContain(secret);
    // Nor in anything the page fetched or kept.
    const kept = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }) + document.cookie);
    expect(kept).not.toContain(secret);
    await page.goBack();
    await page.getByLabel('db_password').waitFor();
    expect(await page.getByLabel('db_password').inputValue()).toBe('');
    expect(await page.content()).not.toContain(secret);
  });

  it('counts log search matches as "1 of N" while the first match is highlighted', async () => {
    const { id } = await deployer.createRelease({ template: 'open-vars', extraVars: { greeting: 'searchable' } });
    await deployer.waitForRelease(id, ['succeeded'], 90_000);
    await page.goto(`${api.url}/releases/${id}`);
    await page.locator('.log-row', { hasText: 'greeting=' }).first().waitFor({ timeout: 30_000 });
    // Typing is enough (no Enter): the counter and the highlighted match must agree.
    await page.getByLabel('Search the log').fill('greeting=');
    await page.locator('.log-row.current-match').waitFor();
    expect(await page.locator('.match-count').textContent()).toMatch(/^1 of \d+$/);
    await page.getByLabel('Search the log').fill('no-such-text-anywhere');
    await page.locator('.match-count', { hasText: 'no matches' }).waitFor();
    expect(await page.locator('.log-row.current-match').count()).toBe(0);
  });

  it('free key/value rows only when the template has openVars, and their server errors shown there', async () => {
    await page.goto(`${api.url}/releases/new?template=open-vars`);
    await page.getByLabel('greeting').waitFor();
    expect(await page.getByLabel('greeting').inputValue()).toBe('hi');
    await page.getByRole('button', { name: '+ Add variable' }).click();
    await page.getByLabel('Name of extra var 1').fill('ansible_connection');
    await page.getByLabel('Value of ansible_connection').fill('ssh');
    await page.getByRole('button', { name: 'Start release' }).click();
    // A reserved name is refused by the server (issue 10.2) and shown at the free rows, naming the var.
    await errorAt('extraVars').waitFor();
    expect(await errorAt('extraVars').textContent()).toContain('ansible_connection');
    expect(await releaseCount()).toBe(2);
  });

  it('keeps the template a user picks the moment the catalog arrives (the default never overrides it)', async () => {
    // CI once lost this race: the form's "start on the first template" step ran after the user's pick
    // and replaced it. The observer picks open-vars in the same task that renders the loaded select,
    // before React's deferred effects run, which is the earliest a fast user (or Playwright) can.
    const racePage = await browser.newPage();
    try {
      await racePage.addInitScript(() => {
        const flags = window as unknown as { pickedOnArrival?: boolean };
        new MutationObserver((_records, observer) => {
          const select = document.querySelector<HTMLSelectElement>('select#field-template');
          if (!select || select.disabled || !select.querySelector('option[value="open-vars"]')) return;
          observer.disconnect();
          select.value = 'open-vars';
          select.dispatchEvent(new Event('change', { bubbles: true }));
          flags.pickedOnArrival = true;
        }).observe(document, { childList: true, subtree: true, attributes: true });
      });
      // Signed in already: the session cookie is the browser context's.
      await racePage.goto(`${api.url}/releases/new`);
      await racePage.waitForFunction(() => (window as unknown as { pickedOnArrival?: boolean }).pickedOnArrival === true);
      // Either template's own field shows which one the form settled on.
      await racePage.locator('#var-greeting, #var-version').first().waitFor();
      expect(await racePage.getByLabel('Template').inputValue()).toBe('open-vars');
      expect(await racePage.locator('#var-version').count()).toBe(0);
    } finally {
      await racePage.close();
    }
  });

  it('tells a viewer why they cannot start a release', async () => {
    const viewerBrowser = await launchBrowser();
    try {
      const viewerPage = await viewerBrowser.newPage();
      await viewerPage.goto(api.url);
      await viewerPage.getByLabel('API token').fill(viewerToken);
      await viewerPage.getByRole('button', { name: 'Sign in' }).click();
      await viewerPage.getByRole('heading', { name: 'Releases' }).waitFor();
      await viewerPage.goto(`${api.url}/releases/new?template=typed-vars`);
      const notice = viewerPage.getByRole('alert');
      await notice.waitFor();
      expect(await notice.textContent()).toMatch(/viewer.*cannot start releases.*deployer or admin/i);
      expect(new URL(viewerPage.url()).pathname).toBe('/releases/new');
      expect(await viewerPage.getByRole('button', { name: 'Start release' }).count()).toBe(0);
      await screenshot(viewerPage, 'form-03-viewer');
      expect(viewerBrowser.pageErrors).toEqual([]);
    } finally {
      await viewerBrowser.close();
    }
    expect(browser.pageErrors).toEqual([]);
  });
});
