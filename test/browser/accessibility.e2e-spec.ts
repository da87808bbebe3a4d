import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { seriousAxeFindings } from '../support/axe.js';
import { type TestBrowser, launchBrowser, signInWithToken } from '../support/browser.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 20 item 8: every dashboard page passes axe-core's WCAG 2 A/AA rules with no serious or critical
 * finding, in the light theme, the dark theme and at 320 px wide, and is titled after what it shows.
 */
describe('dashboard accessibility in a browser', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess | undefined;
  let browser: TestBrowser;
  let page: Page;
  let releaseId: number;
  let admin: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('dash_a11y');
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    admin = new ApiClient(api.url, env.bootstrapToken);
    const release = await admin.createRelease({ template: 'hello' });
    await admin.waitForRelease(release.id, ['succeeded'], 60_000);
    releaseId = release.id;
    browser = await launchBrowser();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  const seriousViolations = () => seriousAxeFindings(page);

  /** Each page, the heading it shows once loaded, and its title. */
  const pages = () => [
    { path: '/', heading: 'Releases', title: 'Releases · Slipway' },
    { path: `/releases/${releaseId}`, heading: new RegExp(`^#${releaseId} hello`), title: `Release #${releaseId} · Slipway` },
    { path: '/releases/new', heading: 'New release', title: 'New release · Slipway' },
    { path: '/workers', heading: 'Workers', title: 'Workers · Slipway' },
    { path: '/approvals', heading: 'Waiting for my approval', title: 'Waiting for my approval · Slipway' },
    { path: '/audit', heading: 'Audit', title: 'Audit · Slipway' },
    { path: '/tokens', heading: 'Tokens', title: 'Tokens · Slipway' },
    { path: '/webhooks', heading: 'Webhooks', title: 'Webhooks · Slipway' },
    { path: '/no-such-page', heading: /not found/i, title: 'Not found · Slipway' },
  ];

  const themes = [
    { name: 'light', colorScheme: 'light', width: 1280 },
    { name: 'dark', colorScheme: 'dark', width: 1280 },
    { name: '320 px', colorScheme: 'light', width: 320 },
  ] as const;

  for (const theme of themes) {
    it(`has no serious axe finding on any page (${theme.name})`, async () => {
      await page.emulateMedia({ colorScheme: theme.colorScheme });
      await page.setViewportSize({ width: theme.width, height: 860 });
      const findings: string[] = [];

      await page.context().clearCookies();
      await page.goto(`${api.url}/`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      const signInTitle = await page.title();
      if (signInTitle !== 'Sign in · Slipway') findings.push(`sign-in: titled "${signInTitle}"`);
      findings.push(...(await seriousViolations()).map((f) => `sign-in: ${f}`));

      await signInWithToken(page, api.url, env.bootstrapToken);
      for (const { path, heading, title } of pages()) {
        await page.goto(`${api.url}${path}`);
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await page.waitForLoadState('networkidle');
        const shownTitle = await page.title();
        if (shownTitle !== title) findings.push(`${path}: titled "${shownTitle}", not "${title}"`);
        findings.push(...(await seriousViolations()).map((f) => `${path}: ${f}`));
        if (theme.width === 320) {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          if (overflow > 0) findings.push(`${path}: the page overflows 320 px by ${overflow} px`);
        }
      }
      expect(findings).toEqual([]);
    });
  }

  /** The text of the h1 that has focus, or null when focus is elsewhere (e.g. dropped to <body>). */
  const focusedHeading = () => page.evaluate(() => (document.activeElement?.tagName === 'H1' ? (document.activeElement.textContent ?? '') : null));

  it('moves focus to the new view\'s heading after signing in, starting a release and cancelling one', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.context().clearCookies();
    await page.goto(`${api.url}/`);
    await page.getByLabel('API token').fill(env.bootstrapToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitFor('focus on the Releases heading after signing in', async () => (await focusedHeading()) === 'Releases');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New release' }).click();
    await waitFor('focus on the New release heading', async () => (await focusedHeading()) === 'New release');
    await page.getByLabel('Template').selectOption('hello');
    await page.getByRole('button', { name: 'Start release' }).click();
    await page.waitForURL(/\/releases\/\d+$/);
    const started = Number(new URL(page.url()).pathname.split('/').pop());
    await waitFor('focus on the started release\'s heading', async () => (await focusedHeading())?.startsWith(`#${started} hello`) === true);

    // Scheduled an hour ahead, so it is still queued when cancelled.
    const queued = await admin.createRelease({ template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });
    await page.goto(`${api.url}/releases/${queued.id}`);
    await page.getByRole('button', { name: 'Cancel release' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel release' }).click();
    await waitFor('the release to show as cancelled', async () => (await admin.getRelease(queued.id)).status === 'cancelled');
    await waitFor('focus on the heading after cancelling', async () => (await focusedHeading())?.startsWith(`#${queued.id} hello`) === true);
  });

  it('at 320 px every link of the main navigation is visible, none scrolled out of view', async () => {
    await page.setViewportSize({ width: 320, height: 860 });
    await page.context().clearCookies();
    await signInWithToken(page, api.url, env.bootstrapToken);
    const nav = page.getByRole('navigation', { name: 'Main' });
    const scroll = await nav.evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(scroll, 'the nav scrolls sideways').toBeLessThanOrEqual(0);
    const boxes = await nav.getByRole('link').evaluateAll((links) => links.map((l) => ({ text: l.textContent, ...l.getBoundingClientRect().toJSON() })));
    expect(boxes.length).toBeGreaterThan(2);
    for (const box of boxes) {
      expect(box.left, `${box.text} starts inside the screen`).toBeGreaterThanOrEqual(0);
      expect(box.right, `${box.text} ends inside the screen`).toBeLessThanOrEqual(320);
    }
  });
});
