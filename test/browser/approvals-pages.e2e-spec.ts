import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, screenshot, signInWithToken } from '../support/browser.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { seriousAxeFindings } from '../support/axe.js';


/**
 * Issue 22 item 2 in the dashboard: the "Waiting for my approval" page lists a release of the example
 * catalog's deploy-web on prod (it needs one approval), the release page shows where its approval stands
 * and lets an approver reject (a comment is required) or approve it; both pages pass axe's WCAG 2 A/AA rules.
 */
describe('dashboard: waiting for my approval, approve and reject on the release page', () => {
  let env: TestEnv;
  let api: RunningApi;
  let requester: ApiClient;
  let approverToken: string;
  let deployerToken: string;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    env = await createTestEnv('approvals-pages');
    api = await startApi(env.env, 180_000);
    const admin = new ApiClient(api.url, env.bootstrapToken);
    deployerToken = await createToken(admin, 'ren', 'deployer');
    requester = new ApiClient(api.url, deployerToken);
    approverToken = await createToken(admin, 'ava', 'approver');
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await env?.cleanup();
  });

  const seriousViolations = () => seriousAxeFindings(page);

  it('an approver finds it in "Waiting for my approval", a reject without a comment is refused, an approval queues it', { timeout: 180_000 }, async () => {
    const toApprove = await requester.createRelease({ template: 'deploy-web', inventory: 'prod', extraVars: { version: '1.2.3' } });
    expect(toApprove.status).toBe('awaiting-approval');

    await signInWithToken(page, api.url, approverToken);
    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('heading', { name: 'Waiting for my approval', level: 1 }).waitFor();
    const row = page.locator(`tr[data-release-id="${toApprove.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('ren');
    expect(await page.title()).toBe('Waiting for my approval · Slipway');
    expect(await seriousViolations()).toEqual([]);
    await screenshot(page, 'approvals-list', { fullPage: true });

    await row.getByRole('link', { name: `#${toApprove.id}` }).click();
    const state = page.getByTestId('approval-state');
    await state.waitFor();
    expect(await state.textContent()).toMatch(/^Waiting for approval: 0 of 1 · expires in .* · may approve: ava, bootstrap$/);
    expect(await seriousViolations()).toEqual([]);

    await page.getByRole('button', { name: 'Reject' }).click();
    expect(await page.getByTestId('approval-panel').getByRole('alert').textContent()).toMatch(/comment: required to reject/);
    await page.getByLabel('Comment (required to reject)').fill('checked the version: fine');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('[data-testid="release-status"] [data-status="queued"]').waitFor();
    expect(await page.getByTestId('approval-panel').textContent()).toContain('ava approved');
    expect(await page.getByTestId('approval-panel').textContent()).toContain('checked the version: fine');
    await screenshot(page, 'approval-approved', { fullPage: true });
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(browser.pageErrors).toEqual([]);
  });

  it('a rejection with its comment ends it rejected; the requester (a deployer) sees the decision and no approve button', { timeout: 120_000 }, async () => {
    const toReject = await requester.createRelease({ template: 'deploy-web', inventory: 'prod', extraVars: { version: '1.2.4' } });
    await page.goto(`${api.url}/releases/${toReject.id}`);
    await page.getByTestId('approval-state').waitFor();
    await page.getByLabel('Comment (required to reject)').fill('not this week');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.locator('[data-testid="release-status"] [data-status="rejected"]').waitFor();
    expect(await page.getByTestId('release-reason').textContent()).toBe('rejected by ava: not this week');

    await page.context().clearCookies();
    await signInWithToken(page, api.url, deployerToken);
    await page.goto(`${api.url}/releases/${toReject.id}`);
    await page.getByTestId('approval-panel').waitFor();
    expect(await page.getByTestId('approval-panel').textContent()).toContain('ava rejected');
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Approvals' }).count()).toBe(0);
    expect(await seriousViolations()).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
