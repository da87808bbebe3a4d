import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBrowser, launchBrowser } from '../support/browser.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';

/**
 * Issue 10, item 7: helmet's Content-Security-Policy on every page must not break what the API serves.
 * Chromium reports each blocked script, style or image as a console error ("Refused to …").
 */
describe('security headers in a browser', () => {
  let env: TestEnv;
  let api: RunningApi;
  let browser: TestBrowser;

  beforeAll(async () => {
    env = await createTestEnv('csp-browser');
    api = await startApi(env.env);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await env?.cleanup();
  });

  it('swagger-ui at /api/docs renders the API under its CSP, with nothing refused', async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Refused to')) refused.push(message.text());
    });
    const response = await page.goto(`${api.url}/api/docs`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'Slipway' }).waitFor();
    await page.locator('.opblock-tag', { hasText: 'releases' }).first().waitFor();
    expect(refused).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });

  it('the dashboard renders its sign-in under its CSP, with nothing refused', async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Refused to')) refused.push(message.text());
    });
    await page.goto(`${api.url}/`);
    await page.getByRole('button', { name: /sign in/i }).waitFor();
    expect(refused).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
