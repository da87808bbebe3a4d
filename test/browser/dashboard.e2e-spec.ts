import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, screenshot } from '../support/browser.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 6: the dashboard in a real Chromium against the built API and workers, real MariaDB, Redis and
 * ansible-playbook. One browser profile signs in as a deployer and does the day's work; another signs in
 * as a viewer (and with a bad token).
 */
describe('dashboard in a browser', () => {
  const bootstrapToken = randomBytes(24).toString('hex');
  let env: TestEnv;
  let api: RunningApi;
  let admin: ApiClient;
  let deployer: ApiClient;
  let deployerToken: string;
  let viewerToken: string;
  /** Live workers by SLIPWAY_WORKER_ID. */
  const workers = new Map<string, ServiceProcess>();
  let browser: TestBrowser;
  let page: Page;

  async function createToken(name: string, role: string): Promise<string> {
    const response = await admin.request<{ token: string }>('POST', '/api/v1/tokens', { name, role });
    if (response.status !== 201) throw new Error(`creating token ${name} answered ${response.status}: ${response.text}`);
    return response.body.token;
  }

  async function addWorker(id: string): Promise<ServiceProcess> {
    const worker = await startWorker({ ...workerEnv(), SLIPWAY_WORKER_ID: id });
    workers.set(id, worker);
    return worker;
  }

  function workerEnv(): Record<string, string> {
    return {
      ...env.env,
      WORKER_HEARTBEAT_MS: '1000',
      // log-flood prints its 200 000 lines in one burst at the end; the worker's in-memory log bound (meant
      // for DB outages) would otherwise drop the oldest of them while the batches are being written.
      LOG_BUFFER_MAX_LINES: '1000000',
    };
  }

  beforeAll(async () => {
    env = await createTestEnv('dashboard');
    env.env.SLIPWAY_BOOTSTRAP_TOKEN = bootstrapToken;
    api = await startApi(env.env);
    admin = new ApiClient(api.url, bootstrapToken);
    deployerToken = await createToken('release-engineer', 'deployer');
    viewerToken = await createToken('auditor', 'viewer');
    deployer = new ApiClient(api.url, deployerToken);
    await addWorker('dash-worker-1');
    browser = await launchBrowser();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([...[...workers.values()].map((w) => w.stop()), api?.stop()]);
    await env?.cleanup();
  });

  /** The release page's status badge says `status`. */
  async function waitForStatusBadge(p: Page, status: string, timeoutMs = 90_000): Promise<void> {
    await p.locator(`[data-testid="release-status"] [data-status="${status}"]`).waitFor({ timeout: timeoutMs });
  }

  async function logLineCount(p: Page): Promise<number> {
    const text = (await p.getByTestId('log-line-count').textContent()) ?? '';
    return Number(text.replace(/[^0-9]/g, ''));
  }

  /** Set after sign-in: if the page ever reloads, the marker is gone. */
  async function markPage(p: Page): Promise<void> {
    await p.evaluate(() => ((window as unknown as { slipwayMarker: number }).slipwayMarker = 42));
  }
  async function pageWasNotReloaded(p: Page): Promise<boolean> {
    return p.evaluate(() => (window as unknown as { slipwayMarker?: number }).slipwayMarker === 42);
  }

  it('1. signs in, starts hello from the form, and sees it succeed with its greeting without reloading', async () => {
    await page.goto(api.url);
    await page.getByLabel('API token').waitFor();
    await screenshot(page, '01-sign-in');
    await page.getByLabel('API token').fill(deployerToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Releases' }).waitFor();
    expect(await page.getByTestId('session-role').textContent()).toBe('deployer');
    // The token became an HttpOnly cookie: page script cannot read it, and nothing is in storage.
    const storage = await page.evaluate(() => ({ cookie: document.cookie, local: localStorage.length, session: sessionStorage.length }));
    expect(storage).toEqual({ cookie: '', local: 0, session: 0 });
    const cookies = await browser.context.cookies(api.url);
    expect(cookies.find((c) => c.name === 'slipway_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await markPage(page);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New release' }).click();
    await page.getByLabel('Template').selectOption('hello');
    await page.getByLabel('greeting').fill('hello from the browser');

    // An API validation error is shown at its field, and nothing starts.
    await page.getByLabel('Limit').fill('--become');
    await page.getByRole('button', { name: 'Start release' }).click();
    const limitError = page.locator('[data-field="limit"]');
    await limitError.waitFor();
    expect(await limitError.textContent()).toMatch(/^Limit /);
    expect(await page.getByLabel('Limit').getAttribute('aria-invalid')).toBe('true');
    expect(new URL(page.url()).pathname).toBe('/releases/new');
    await screenshot(page, '02-new-release-field-error', { fullPage: true });
    expect((await deployer.request<{ items: unknown[] }>('GET', '/api/v1/releases')).body.items).toHaveLength(0);

    await page.getByLabel('Limit').fill('');
    await page.getByRole('button', { name: 'Start release' }).click();
    await page.waitForURL(/\/releases\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split('/').pop());

    await waitForStatusBadge(page, 'succeeded');
    await page.locator('.log-row', { hasText: 'greeting=hello from the browser' }).first().waitFor();
    await page.locator('table.recap', { hasText: 'localhost' }).waitFor();
    expect(await page.locator('.step.done').count()).toBeGreaterThanOrEqual(3);
    expect(await pageWasNotReloaded(page)).toBe(true);
    expect((await deployer.getRelease(id)).status).toBe('succeeded');
    await screenshot(page, '03-release-succeeded', { fullPage: true });
  });

  it('2. starts a 30 s deploy-sim, watches lines arrive, cancels it and sees cancelled', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New release' }).click();
    await page.getByLabel('Template').selectOption('deploy-sim');
    expect(await page.getByLabel('seconds').inputValue()).toBe('30');
    await page.getByRole('button', { name: 'Start release' }).click();
    await page.waitForURL(/\/releases\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split('/').pop());

    await page.locator('.log-row', { hasText: 'progress 2/30' }).first().waitFor({ timeout: 60_000 });
    const seen = await logLineCount(page);
    await waitFor('more lines to arrive live', async () => (await logLineCount(page)) > seen, { timeoutMs: 30_000 });
    await page.locator('.log-row', { hasText: 'progress 3/30' }).first().waitFor({ timeout: 30_000 });
    await screenshot(page, '04-release-running');

    // Auto-follow keeps the newest line in view until the user scrolls up; then the view stays put.
    await page.locator('.log-row', { hasText: 'progress 12/30' }).first().waitFor({ timeout: 60_000 });
    const scroller = page.getByTestId('log-scroll');
    const position = () =>
      scroller.evaluate((el) => ({ top: el.scrollTop, atBottom: el.scrollTop + el.clientHeight >= el.scrollHeight - 4 }));
    await waitFor('the log to follow its end', async () => (await position()).atBottom);
    await scroller.hover();
    await page.mouse.wheel(0, -240);
    await waitFor('follow to pause', async () => !(await page.getByLabel('Follow').isChecked()));
    const paused = await position();
    const linesWhenPaused = await logLineCount(page);
    await waitFor('more lines while paused', async () => (await logLineCount(page)) > linesWhenPaused, { timeoutMs: 30_000 });
    expect((await position()).top).toBe(paused.top);
    await page.getByRole('button', { name: 'Follow new lines' }).click();
    const linesWhenResumed = await logLineCount(page);
    await waitFor('more lines after resuming', async () => (await logLineCount(page)) > linesWhenResumed, { timeoutMs: 30_000 });
    await waitFor('the log to follow its end again', async () => (await position()).atBottom);

    await page.getByRole('button', { name: 'Cancel release' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel release' }).click();
    await waitForStatusBadge(page, 'cancelled', 60_000);
    expect(await page.locator('.live-dot').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Re-run' }).count()).toBe(1);
    expect(await pageWasNotReloaded(page)).toBe(true);
    const release = await deployer.getRelease(id);
    expect(release.status).toBe('cancelled');
    expect(release.cancelRequestedBy).toBe('release-engineer');
  });

  it('3. shows a 200 000-line log whole, virtualized, and scrolls to its last line', async () => {
    const release = await deployer.createRelease({ template: 'log-flood', extraVars: { lines: 200_000 } });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Releases' }).click();
    const row = page.locator(`tr[data-release-id="${release.id}"]`);
    await row.waitFor();
    // The list updates by itself: the flood shows up as running, then succeeded, without a reload.
    await row.locator('[data-status="running"], [data-status="succeeded"]').waitFor({ timeout: 60_000 });
    await screenshot(page, '05-releases');
    await row.getByRole('link', { name: `#${release.id}` }).click();
    await page.waitForURL(new RegExp(`/releases/${release.id}$`));

    const done = await deployer.waitForRelease(release.id, ['succeeded', 'failed'], 150_000);
    expect(done.status).toBe('succeeded');
    expect(done.logLines).toBeGreaterThan(200_000);
    await waitForStatusBadge(page, 'succeeded');
    await waitFor('every line in the page', async () => (await logLineCount(page)) === done.logLines, { timeoutMs: 90_000 });

    // Only the visible rows are in the DOM.
    expect(await page.locator('.log-row').count()).toBeLessThan(300);

    const scroller = page.getByTestId('log-scroll');
    await scroller.focus();
    await page.keyboard.press('Home');
    await page.locator('.log-row[data-line="1"]').waitFor();
    await page.keyboard.press('End');
    const lastText = (await deployer.log(release.id, done.logLines - 1)).replace(/\n$/, '');
    const lastRow = page.locator(`.log-row[data-line="${done.logLines}"]`);
    await lastRow.waitFor();
    expect(await lastRow.isVisible()).toBe(true);
    expect((await lastRow.locator('.log-text').textContent())?.trim()).toBe(stripAnsi(lastText).trim());

    // Search finds a line in the middle of the flood and scrolls to it.
    await page.getByLabel('Search the log').fill('line 123456');
    await page.getByLabel('Search the log').press('Enter');
    const match = page.locator('.log-row.current-match');
    await match.waitFor();
    expect(await match.textContent()).toContain('line 123456');
    expect(await page.locator('.match-count').textContent()).toBe('1 of 1');
    expect(await page.getByLabel('Follow').isChecked()).toBe(false);
    expect(await page.locator('.log-row').count()).toBeLessThan(300);
    await screenshot(page, '06-release-200k-lines-search');
    expect(await pageWasNotReloaded(page)).toBe(true);
  });

  it('4. a worker SIGTERMed mid-release shows draining, then disappears, and the release still succeeds', async () => {
    await addWorker('dash-worker-2');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workers' }).click();
    for (const id of workers.keys()) await page.locator(`[data-worker-id="${id}"][data-state="active"]`).waitFor();

    const release = await deployer.createRelease({ template: 'deploy-sim', extraVars: { seconds: 12 } });
    const running = await deployer.waitForRelease(release.id, ['running'], 60_000);
    const workerId = running.workerId as string;
    const worker = workers.get(workerId);
    if (!worker) throw new Error(`release ran on an unknown worker ${workerId}`);

    const card = page.locator(`[data-worker-id="${workerId}"]`);
    await card.getByRole('link', { name: `#${release.id}` }).waitFor();
    // A second release of the same lock key waits for the first, and the queue says so.
    const behind = await deployer.createRelease({ template: 'deploy-sim', extraVars: { seconds: 2 } });
    await page.locator('table', { hasText: 'deploy-sim:local' }).getByRole('link', { name: `#${behind.id}` }).waitFor({ timeout: 30_000 });
    worker.signal('SIGTERM');
    await page.locator(`[data-worker-id="${workerId}"][data-state="draining"]`).waitFor({ timeout: 15_000 });
    expect(await card.getByTestId('worker-state').textContent()).toContain('draining');
    // The other worker is still active: the difference is visible side by side.
    const other = [...workers.keys()].find((id) => id !== workerId) as string;
    expect(await page.locator(`[data-worker-id="${other}"]`).getAttribute('data-state')).toBe('active');
    await waitFor('the queue counts', async () =>
      (await page.getByTestId('queue-running').textContent()) === '1' && (await page.getByTestId('queue-waiting').textContent()) === '1',
    );
    await screenshot(page, '07-workers-draining');

    await card.waitFor({ state: 'detached', timeout: 90_000 });
    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    workers.delete(workerId);
    const finished = await deployer.getRelease(release.id);
    expect(finished.status).toBe('succeeded');
    await screenshot(page, '08-workers-after-drain');

    // The release that waited on the lock ran afterwards on the worker that stayed.
    const next = await deployer.waitForRelease(behind.id, ['succeeded', 'failed', 'interrupted'], 60_000);
    expect(next).toMatchObject({ status: 'succeeded', workerId: other });

    await page.goto(`${api.url}/releases/${release.id}`);
    await waitForStatusBadge(page, 'succeeded');
  });

  it('5. a viewer sees no create, cancel or re-run controls; a bad token cannot sign in', async () => {
    const viewerBrowser = await launchBrowser({ width: 390, height: 844 });
    try {
      const viewerPage = await viewerBrowser.newPage();
      await viewerPage.goto(api.url);
      await viewerPage.getByLabel('API token').fill('slw_this-is-not-a-real-token-0000');
      await viewerPage.getByRole('button', { name: 'Sign in' }).click();
      const alert = viewerPage.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('not accepted');
      expect((await viewerBrowser.context.cookies(api.url)).filter((c) => c.name === 'slipway_session')).toEqual([]);
      expect(await viewerPage.getByRole('heading', { name: 'Releases' }).count()).toBe(0);
      await screenshot(viewerPage, '09-sign-in-refused-phone');

      // A release in progress and a finished one: a viewer gets neither cancel nor re-run.
      const running = await deployer.createRelease({ template: 'deploy-sim', extraVars: { seconds: 20 } });
      const finished = (await deployer.request<{ items: ReleaseJson[] }>('GET', '/api/v1/releases?status=succeeded')).body.items[0];
      if (!finished) throw new Error('no succeeded release from the earlier tests');

      await viewerPage.getByLabel('API token').fill(viewerToken);
      await viewerPage.getByRole('button', { name: 'Sign in' }).click();
      await viewerPage.getByRole('heading', { name: 'Releases' }).waitFor();
      expect(await viewerPage.getByTestId('session-role').textContent()).toBe('viewer');
      expect(await viewerPage.getByRole('link', { name: 'New release' }).count()).toBe(0);
      await viewerPage.locator(`tr[data-release-id="${running.id}"]`).waitFor();
      await screenshot(viewerPage, '10-releases-phone-viewer', { fullPage: true });

      await viewerPage.locator(`tr[data-release-id="${running.id}"]`).getByRole('link', { name: `#${running.id}` }).click();
      await viewerPage.locator('[data-testid="release-status"] [data-status="running"]').waitFor({ timeout: 60_000 });
      expect(await viewerPage.getByRole('button', { name: 'Cancel release' }).count()).toBe(0);
      await screenshot(viewerPage, '11-release-phone-viewer');

      await viewerPage.goto(`${api.url}/releases/${finished.id}`);
      await waitForStatusBadge(viewerPage, 'succeeded');
      expect(await viewerPage.getByRole('button', { name: 'Re-run' }).count()).toBe(0);
      expect(await viewerPage.getByRole('button').allTextContents()).toEqual(['Sign out', '↑', '↓']);

      // The form is not offered either: the page says why (and the API would refuse it anyway).
      await viewerPage.goto(`${api.url}/releases/new`);
      await viewerPage.getByRole('alert').filter({ hasText: 'cannot start releases' }).waitFor();
      expect(await viewerPage.getByRole('button', { name: 'Start release' }).count()).toBe(0);
      const refused = await viewerPage.evaluate(async () => {
        const response = await fetch('/api/v1/releases', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-slipway-csrf': '1' },
          body: JSON.stringify({ template: 'hello' }),
        });
        return response.status;
      });
      expect(refused).toBe(403);

      await deployer.request('POST', `/api/v1/releases/${running.id}/cancel`);
      expect(viewerBrowser.pageErrors).toEqual([]);
    } finally {
      await viewerBrowser.close();
    }
    expect(browser.pageErrors).toEqual([]);
  });
});

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex -- ESC is what is being removed
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '');
}
