import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, signInWithToken } from '../support/browser.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { seriousAxeFindings } from '../support/axe.js';

/** Issue 23: an admin registers an endpoint on the Webhooks page, sees its deliveries, redelivers one, edits and deletes it. */
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

  it('edits the endpoint (URL, events, enabled) and deletes it after asking; no serious axe finding on the page', { timeout: 90_000 }, async () => {
    const client = new ApiClient(api.url, env.bootstrapToken);
    const [endpoint] = (await client.request<{ id: number; url: string }[]>('GET', '/api/v1/webhooks')).body;
    const row = page.locator(`tr[data-webhook-id="${endpoint.id}"]`);
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: `Edit endpoint ${endpoint.id}` });
    // A bad URL: the API's 400 is shown and nothing changes.
    await form.getByLabel('Endpoint URL').fill('ftp://nowhere');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => form.getByRole('alert').textContent()).toContain('url');
    expect((await client.request<{ url: string }>('GET', `/api/v1/webhooks/${endpoint.id}`)).body.url).toBe(endpoint.url);
    await form.getByLabel('Endpoint URL').fill(`http://127.0.0.1:${port}/edited`);
    await form.getByLabel('release.started').check();
    await form.getByLabel('Enabled (sends its deliveries)').uncheck();
    await axeClean();
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.waitFor({ state: 'detached' });
    await row.locator('code').filter({ hasText: `http://127.0.0.1:${port}/edited` }).waitFor();
    await row.getByText('disabled: disabled by bootstrap').waitFor();
    expect((await client.request<{ events: string[]; enabled: boolean }>('GET', `/api/v1/webhooks/${endpoint.id}`)).body).toMatchObject({
      events: ['release.succeeded', 'release.failed', 'release.queued', 'release.started'],
      enabled: false,
    });

    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete the endpoint http://127.0.0.1:${port}/edited?` });
    await dialog.waitFor();
    await axeClean();
    await dialog.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByRole('status').filter({ hasText: `Endpoint ${endpoint.id} deleted` }).waitFor();
    await row.waitFor({ state: 'detached' });
    expect((await client.request('GET', `/api/v1/webhooks/${endpoint.id}`)).status).toBe(404);
    expect(browser.pageErrors).toEqual([]);
  });

  /** No serious or critical axe (WCAG 2 A/AA) finding on the page as it is now, light and dark. */
  async function axeClean(): Promise<void> {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await seriousAxeFindings(page), scheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }
});
