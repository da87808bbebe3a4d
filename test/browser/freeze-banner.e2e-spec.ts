import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, screenshot, signInWithToken } from '../support/browser.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

/** Issue 22: the dashboard's freeze banner (in force, next 24 h), an override on the release page, the schedules and freeze windows pages. */
describe('dashboard: freeze banner, override, schedules and freeze windows pages', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: ApiClient;
  let viewerToken: string;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    env = await createTestEnv('freeze-banner');
    api = await startApi(env.env, 180_000);
    admin = new ApiClient(api.url, env.bootstrapToken);
    viewerToken = await createToken(admin, 'freeze-viewer', 'viewer');
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await env?.cleanup();
  });

  it('shows the window in force and the one due within 24 h on every page, and the override on the release', { timeout: 120_000 }, async () => {
    const now = Date.now();
    const active = await admin.request('POST', '/api/v1/freezes', { name: 'change-freeze', startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString() });
    expect(active.status).toBe(201);
    const upcoming = await admin.request('POST', '/api/v1/freezes', { name: 'db-maintenance', startsAt: new Date(now + 7_200_000).toISOString(), endsAt: new Date(now + 10_800_000).toISOString(), inventories: ['local'] });
    expect(upcoming.status).toBe(201);
    const overridden = await admin.request<{ id: number }>('POST', '/api/v1/releases', { template: 'hello', overrideFreeze: 'urgent fix, approved by on-call lead' });
    expect(overridden.status).toBe(201);

    await signInWithToken(page, api.url, viewerToken);
    await page.goto(`${api.url}/releases/${overridden.body.id}`);
    const banner = page.getByTestId('freeze-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('change-freeze');
    expect(await page.getByTestId('freeze-upcoming').textContent()).toContain('db-maintenance');
    const override = page.getByTestId('freeze-override');
    await override.waitFor();
    expect(await override.textContent()).toBe('change-freeze, by bootstrap: urgent fix, approved by on-call lead');
    await screenshot(page, 'freeze-banner', { fullPage: true });
    expect(browser.pageErrors).toEqual([]);
  });

  it('lists schedules and freeze windows; a schedule page shows its state and next runs', { timeout: 120_000 }, async () => {
    const created = await admin.request<{ id: number }>('POST', '/api/v1/schedules', { name: 'nightly-hello', template: 'hello', cron: '30 2 * * *', timeZone: 'Europe/Berlin', paused: true });
    expect(created.status).toBe(201);
    // Still signed in as the viewer from the test before.
    await page.goto(`${api.url}/schedules`);
    const table = page.getByTestId('schedules-table');
    await table.waitFor();
    expect(await table.textContent()).toContain('nightly-hello');
    await page.getByRole('link', { name: 'nightly-hello' }).click();
    const state = page.getByTestId('schedule-state');
    await state.waitFor();
    expect(await state.textContent()).toBe('paused (created paused by bootstrap)');
    await screenshot(page, 'schedule-detail', { fullPage: true });
    await page.goto(`${api.url}/freezes`);
    const freezes = page.getByTestId('freezes-table');
    await freezes.waitFor();
    expect(await freezes.textContent()).toContain('db-maintenance');
    await screenshot(page, 'freezes', { fullPage: true });
    expect(browser.pageErrors).toEqual([]);
  });
});
