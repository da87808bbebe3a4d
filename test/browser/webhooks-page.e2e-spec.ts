import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, signInWithToken } from '../support/browser.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';

/** Issue 23: an admin registers an endpoint on the Webhooks page, sees its deliveries and redelivers one. */
describe('the Webhooks page in a browser', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let browser: TestBrowser;
  let page: Page;
  let receiver: Server;
  let port = 0;
  const arrived: string[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      arrived.push(String(request.headers['webhook-id']));
      request.resume();
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
    env = await createTestEnv('dash_webhooks');
    api = await startApi(env.env);
    worker = await startWorker({ ...env.env, WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1', WEBHOOK_POLL_MS: '100' });
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), api?.stop()]);
    receiver?.closeAllConnections();
    receiver?.close();
    await env?.cleanup();
  });

  it('creates an endpoint (secret shown once), lists its deliveries and redelivers one', { timeout: 90_000 }, async () => {
    await signInWithToken(page, api.url, env.bootstrapToken);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByLabel('URL').fill(`http://127.0.0.1:${port}/hook`);
    await page.getByLabel('release.queued').check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = await page.getByTestId('new-webhook-secret').textContent();
    expect(secret).toMatch(/^whsec_/);

    await new ApiClient(api.url, env.bootstrapToken).createRelease({ template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });
    await page.getByRole('button', { name: 'Deliveries' }).click();
    await page.locator('tr[data-state="delivered"]').waitFor({ timeout: 30_000 });
    expect(arrived).toHaveLength(1);
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await expect.poll(() => arrived.length, { timeout: 30_000 }).toBe(2);
    expect(arrived[1]).toBe(arrived[0]);
    expect(browser.pageErrors).toEqual([]);
  });
});
