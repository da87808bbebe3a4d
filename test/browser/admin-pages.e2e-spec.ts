import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, screenshot, signInWithToken } from '../support/browser.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';

/**
 * Issue 14.7: the no-worker banner, times in the browser's timezone, releases filtered by requester and
 * date, the Audit page and the admins' Tokens page, in a real Chromium (timezone Asia/Kolkata, UTC+05:30)
 * against the built API and a worker, real MariaDB, Redis and ansible-playbook.
 */
describe('dashboard status and admin pages in a browser', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: ApiClient;
  let deployer: ApiClient;
  let deployerToken: string;
  let worker: ServiceProcess | undefined;
  let browser: TestBrowser;
  let page: Page;

  async function createToken(name: string, role: string): Promise<string> {
    const response = await admin.request<{ token: string }>('POST', '/api/v1/tokens', { name, role });
    if (response.status !== 201) throw new Error(`creating token ${name} answered ${response.status}: ${response.text}`);
    return response.body.token;
  }

  const signIn = (p: Page, token: string) => signInWithToken(p, api.url, token);

  beforeAll(async () => {
    env = await createTestEnv('dash_admin');
    api = await startApi(env.env);
    admin = new ApiClient(api.url, env.bootstrapToken);
    deployerToken = await createToken('dash-deployer', 'deployer');
    deployer = new ApiClient(api.url, deployerToken);
    browser = await launchBrowser(undefined, { timezoneId: 'Asia/Kolkata' });
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  it('says when no worker is alive, and when every worker is draining', async () => {
    await signIn(page, deployerToken);
    const banner = page.getByTestId('worker-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/no worker is running/i);
    expect(await banner.getAttribute('role')).toBe('alert');
    await screenshot(page, 'admin-01-no-worker-banner');

    worker = await startWorker({ ...env.env, WORKER_HEARTBEAT_MS: '1000' });
    await banner.waitFor({ state: 'detached', timeout: 30_000 });

    // A worker that drains takes no new release: the banner says so while it finishes its last one.
    const release = await deployer.createRelease({ template: 'deploy-sim', extraVars: { seconds: 30 } });
    await deployer.waitForRelease(release.id, ['running'], 60_000);
    worker.signal('SIGTERM');
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.textContent()).toMatch(/draining/i);
    await deployer.request('POST', `/api/v1/releases/${release.id}/cancel`);
    await worker.exited;
    worker = undefined;
    await page.getByTestId('worker-banner').filter({ hasText: /no worker is running/i }).waitFor({ timeout: 30_000 });

    worker = await startWorker({ ...env.env, WORKER_HEARTBEAT_MS: '1000' });
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
  });

  it("shows times in the browser's timezone with the zone, and UTC on hover", async () => {
    const release = await deployer.createRelease({ template: 'hello' });
    await deployer.waitForRelease(release.id, ['succeeded'], 60_000);
    await page.goto(`${api.url}/`);
    const created = page.locator(`tr[data-release-id="${release.id}"] time`).first();
    await created.waitFor();
    const utc = new Date((await deployer.getRelease(release.id)).createdAt as string);
    const local = new Date(utc.getTime() + 330 * 60_000); // Asia/Kolkata is UTC+05:30, no DST
    const hhmm = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const shown = (await created.textContent()) ?? '';
    expect(shown).toContain('GMT+5:30');
    expect(shown).toContain(hhmm(local));
    const hover = (await created.getAttribute('title')) ?? '';
    expect(hover).toContain(`${hhmm(utc)}`);
    expect(hover).toMatch(/UTC$/);

    await page.goto(`${api.url}/releases/${release.id}`);
    const step = page.locator('time.step-time').first();
    await step.waitFor();
    expect(await step.textContent()).toContain('GMT+5:30');
    expect(await step.getAttribute('title')).toMatch(/UTC$/);
  });

  it('filters releases by requester and by date range', async () => {
    const mine = await deployer.createRelease({ template: 'hello' });
    const theirs = await admin.createRelease({ template: 'hello' });
    await page.goto(`${api.url}/`);
    await page.locator(`tr[data-release-id="${theirs.id}"]`).waitFor();

    await page.getByLabel('Requested by').fill('dash-deployer');
    await page.getByLabel('Requested by').press('Enter');
    await page.locator(`tr[data-release-id="${theirs.id}"]`).waitFor({ state: 'detached' });
    await page.locator(`tr[data-release-id="${mine.id}"]`).waitFor();
    const requesters = await page.locator('td[data-label="Requested by"]').allTextContents();
    expect(new Set(requesters)).toEqual(new Set(['dash-deployer']));
    expect(new URL(page.url()).searchParams.get('requestedBy')).toBe('dash-deployer');

    // Dates are the browser's calendar days (Asia/Kolkata), not UTC's.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date());
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date(Date.now() + 86_400_000));
    await page.getByLabel('From', { exact: true }).fill(tomorrow);
    await page.getByText('No release matches these filters.').waitFor();
    await page.getByLabel('From', { exact: true }).fill(today);
    await page.getByLabel('To', { exact: true }).fill(today);
    await page.locator(`tr[data-release-id="${mine.id}"]`).waitFor();
    await screenshot(page, 'admin-02-releases-filtered');

    // The API refuses a bad range with the field named.
    const bad = await deployer.request<{ errors: { field: string }[] }>('GET', '/api/v1/releases?createdFrom=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.field)).toContain('createdFrom');
    const filtered = await deployer.request<{ items: ReleaseJson[] }>('GET', `/api/v1/releases?requestedBy=bootstrap`);
    expect(filtered.body.items.map((r) => r.id)).toEqual([theirs.id]);
    const createdAt = new Date((await deployer.getRelease(mine.id)).createdAt as string).getTime();
    const range = async (from: number, to: number) =>
      (
        await deployer.request<{ items: ReleaseJson[] }>(
          'GET',
          `/api/v1/releases?createdFrom=${new Date(from).toISOString()}&createdTo=${new Date(to).toISOString()}`,
        )
      ).body.items.map((r) => r.id);
    // From is inclusive, to is exclusive, to the millisecond.
    expect(await range(createdAt, createdAt + 1)).toContain(mine.id);
    expect(await range(createdAt + 1, createdAt + 60_000)).not.toContain(mine.id);
    expect(await range(createdAt - 60_000, createdAt)).not.toContain(mine.id);
  });

  /** The ids of the rows a list shows, top to bottom. */
  async function rowIds(attribute: 'data-release-id' | 'data-audit-id'): Promise<number[]> {
    return (await page.locator(`tbody tr[${attribute}]`).evaluateAll((trs, name) => trs.map((tr) => tr.getAttribute(name)), attribute)).map(Number);
  }
  const auditIds = () => rowIds('data-audit-id');

  it('pages the releases list with Older, Newer and Newest; a release created meanwhile shifts no page', async () => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString(); // scheduled: they stay queued, nothing runs
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await deployer.createRelease({ template: 'hello', runAt })).id);
    await page.goto(`${api.url}/`);
    await page.locator(`tr[data-release-id="${ids[29]}"]`).waitFor();
    const newest = ids.slice(5).reverse(); // 25 a page
    expect(await rowIds('data-release-id')).toEqual(newest);
    expect(await page.getByRole('button', { name: '← Newer' }).isDisabled()).toBe(true);

    const newcomer = await deployer.createRelease({ template: 'hello', runAt });
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.waitForURL(new RegExp(`before=${ids[5]}`));
    await page.locator(`tr[data-release-id="${ids[4]}"]`).waitFor();
    const older = await rowIds('data-release-id');
    expect(older.slice(0, 5)).toEqual(ids.slice(0, 5).reverse());
    expect(older).not.toContain(newcomer.id);
    await screenshot(page, 'admin-02b-releases-older-page');

    await page.getByRole('button', { name: '← Newer' }).click();
    await page.waitForURL(/after=\d+/);
    await page.locator(`tr[data-release-id="${ids[29]}"]`).waitFor();
    expect(await rowIds('data-release-id')).toEqual(newest); // the same page as before, not shifted by the newcomer
    expect(await page.getByRole('button', { name: '← Newer' }).isDisabled()).toBe(false); // the newcomer is above

    await page.getByRole('button', { name: 'Newest' }).click();
    await page.locator(`tr[data-release-id="${newcomer.id}"]`).waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect((await rowIds('data-release-id'))[0]).toBe(newcomer.id);
    expect(browser.pageErrors).toEqual([]);
  });

  it('an admin creates a token (its value shown once), lists it and revokes it; the API then refuses it', async () => {
    const adminBrowser = await launchBrowser();
    try {
      const adminPage = await adminBrowser.newPage();
      await signIn(adminPage, env.bootstrapToken);
      await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
      await adminPage.getByRole('heading', { name: 'Tokens' }).waitFor();
      await adminPage.getByLabel('Name').fill('ci-bot');
      await adminPage.getByLabel('Role').selectOption('deployer');
      await adminPage.getByRole('button', { name: 'Create token' }).click();
      const value = adminPage.getByTestId('new-token-value');
      await value.waitFor();
      const token = ((await value.textContent()) ?? '').trim();
      expect(token).toMatch(/^slw_/);
      expect(await adminPage.getByText('will not be shown again').count()).toBe(1);
      await screenshot(adminPage, 'admin-03-token-created');
      const ci = new ApiClient(api.url, token);
      expect((await ci.request('GET', '/api/v1/releases')).status).toBe(200);

      const row = adminPage.locator('tr', { hasText: 'ci-bot' });
      await row.waitFor();
      expect(await row.textContent()).toContain('deployer');
      // Shown once: after a reload the value is nowhere in the page.
      await adminPage.reload();
      await adminPage.locator('tr', { hasText: 'ci-bot' }).waitFor();
      expect(await adminPage.content()).not.toContain(token);

      await adminPage.locator('tr', { hasText: 'ci-bot' }).getByRole('button', { name: 'Revoke' }).click();
      await adminPage.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
      await adminPage.locator('tr', { hasText: 'ci-bot' }).filter({ hasText: 'revoked' }).waitFor();
      expect(await adminPage.locator('tr', { hasText: 'ci-bot' }).getByRole('button', { name: 'Revoke' }).count()).toBe(0);
      expect((await ci.request('GET', '/api/v1/releases')).status).toBe(401);

      // A name already in use is refused at the field.
      await adminPage.getByLabel('Name').fill('dash-deployer');
      await adminPage.getByRole('button', { name: 'Create token' }).click();
      await adminPage.locator('.field-error[data-field="name"]').waitFor();
      expect(adminBrowser.pageErrors).toEqual([]);
    } finally {
      await adminBrowser.close();
    }
  });

  it('the Tokens page is for admins only', async () => {
    await page.goto(`${api.url}/tokens`);
    const notice = page.getByRole('alert');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/only admins/i);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).count()).toBe(0);
  });

  it('the Audit page lists who did what, filtered by actor, action and target, a page at a time', async () => {
    for (let i = 0; i < 21; i++) await createToken(`audit-filler-${i}`, 'viewer');
    const release = await deployer.createRelease({ template: 'hello' });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(20);
    const firstPage = await auditIds();
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.waitForURL(/before=\d+/);
    await page.locator(`tr[data-audit-id="${firstPage[0]}"]`).waitFor({ state: 'detached' });
    const secondPage = await auditIds();
    expect(Math.max(...secondPage)).toBeLessThan(Math.min(...firstPage)); // older, none twice
    await page.getByRole('button', { name: '← Newer' }).click();
    await page.locator(`tr[data-audit-id="${firstPage[0]}"]`).waitFor();
    expect(await auditIds()).toEqual(firstPage);

    await page.getByLabel('Action').selectOption('release.create');
    await expect.poll(async () => new Set(await page.locator('td[data-label="Action"]').allTextContents())).toEqual(new Set(['release.create']));

    await page.getByLabel('Actor').fill('dash-deployer');
    await page.getByLabel('Actor').press('Enter');
    await page.waitForURL(/actor=dash-deployer/);
    // Until the filtered page arrives the previous one is still shown: wait for it rather than read once.
    await expect.poll(async () => new Set(await page.locator('td[data-label="Actor"]').allTextContents())).toEqual(new Set(['dash-deployer']));

    await page.getByLabel('Action').selectOption('');
    await page.getByLabel('Target', { exact: true }).selectOption('release');
    await page.getByLabel('Target id').fill(String(release.id));
    await page.getByLabel('Target id').press('Enter');
    await page.waitForURL(new RegExp(`targetId=${release.id}`));
    await expect.poll(() => rows.count()).toBe(1);
    await page.locator('tbody tr').filter({ hasText: `#${release.id}` }).first().waitFor();
    // The target links to the release.
    await rows.first().getByRole('link', { name: `release #${release.id}` }).waitFor();
    await screenshot(page, 'admin-04-audit-filtered');
    await page.getByLabel('Target id').fill('twelve');
    await page.getByLabel('Target id').press('Enter');
    await page.locator('.field-error[data-field="targetId"]').waitFor();
    expect(await page.locator('.field-error[data-field="targetId"]').textContent()).toContain('Target id must be a number');
    expect(browser.pageErrors).toEqual([]);
  });
});
