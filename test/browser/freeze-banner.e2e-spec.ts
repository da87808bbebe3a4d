import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, screenshot, signInWithToken } from '../support/browser.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

/** Issue 22 item 3: the dashboard's banner during a freeze and ahead of one, and an override on the release page. */
describe('dashboard: freeze banner and override', () => {
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
});
