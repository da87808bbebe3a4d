import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { seriousAxeFindings } from '../support/axe.js';
import { type TestBrowser, launchBrowser, signInWithToken } from '../support/browser.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';

interface Rec {
  id: number;
  name: string;
  value: string;
  ttl: number;
}

/** Issue 24 item 6 in a real Chromium: the zones list with render status; a zone's records added, edited and deleted in place. */
describe('DNS pages in a browser', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let admin: ApiClient;
  let deployerToken: string;
  let viewerToken: string;
  let browser: TestBrowser;
  let viewerBrowser: TestBrowser | undefined;
  let page: Page;
  let shipDir: string | undefined;

  beforeAll(async () => {
    env = await createTestEnv('dash_dns');
    api = await startApi(env.env);
    worker = await startWorker({ ...env.env, DNS_RENDER_DELAY_MS: '0' });
    admin = new ApiClient(api.url, env.bootstrapToken);
    deployerToken = await createToken(admin, 'dns-deployer', 'deployer');
    viewerToken = await createToken(admin, 'dns-viewer', 'viewer');
    expect((await admin.request('POST', '/api/v1/dns/zones', { name: 'page.test', primaryNs: 'ns1.example.net.', hostmaster: 'hostmaster@page.test' })).status).toBe(201);
    browser = await launchBrowser();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await viewerBrowser?.close();
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (shipDir) await rm(shipDir, { recursive: true, force: true });
  });

  const records = async () => (await admin.request<Rec[]>('GET', '/api/v1/dns/zones/page.test/records')).body;

  it('lists zones with their render status and opens one', async () => {
    await signInWithToken(page, api.url, deployerToken);
    await page.goto(`${api.url}/dns`);
    await page.locator('tr[data-zone="page.test"][data-render-status="rendered"]').waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'page.test' }).click();
    await page.getByRole('heading', { name: 'page.test', level: 1 }).waitFor();
  });

  it('adds a record, shows a bad value named, edits and deletes in place', async () => {
    const form = page.getByRole('form', { name: 'Add a record' });
    await form.getByLabel('Name').fill('www');
    await form.getByLabel('Value').fill('192.0.2.10');
    await form.getByRole('button', { name: 'Add record' }).click();
    await page.locator('tr[data-name="www"]').waitFor();
    expect((await records()).map((r) => [r.name, r.value])).toEqual([['www', '192.0.2.10']]);

    await form.getByLabel('Name').fill('bad');
    await form.getByLabel('Value').fill('192.0.2.300');
    await form.getByRole('button', { name: 'Add record' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/value/);
    expect(await records()).toHaveLength(1);

    const row = page.locator('tr[data-name="www"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    await row.getByLabel('Value').fill('192.0.2.11');
    await row.getByRole('button', { name: 'Save' }).click();
    await waitFor('the change to be stored', async () => ((await records())[0]?.value === '192.0.2.11' ? true : undefined));
    await page.locator('tr[data-name="www"] code', { hasText: '192.0.2.11' }).waitFor();

    await page.locator('tr[data-name="www"]').getByRole('button', { name: 'Delete' }).click();
    await page.locator('tr[data-name="www"]').waitFor({ state: 'detached' });
    expect(await records()).toEqual([]);
  });

  it('an edit over someone else\'s change is refused (412) and says so', async () => {
    const created = (await admin.request<Rec>('POST', '/api/v1/dns/zones/page.test/records', { name: 'api', type: 'A', value: '192.0.2.20' })).body;
    await page.reload();
    const row = page.locator('tr[data-name="api"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    expect((await admin.request('PUT', `/api/v1/dns/zones/page.test/records/${created.id}`, { value: '192.0.2.21' }, { 'if-match': '"1"' })).status).toBe(200);
    await row.getByLabel('Value').fill('192.0.2.22');
    await row.getByRole('button', { name: 'Save' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/someone else changed it/);
    expect((await records()).find((r) => r.id === created.id)?.value).toBe('192.0.2.21');
  });

  it('the DNS pages have no serious or critical axe finding (light, dark, 320 px), with an edit open and an error shown', async () => {
    // With a reload release (the example's dns-ship-zone into a directory of the test's), so the zone page shows it too.
    shipDir = await mkdtemp(join(tmpdir(), 'slipway-dash-dns-'));
    const reload = { template: 'dns-ship-zone', inventory: 'local', vars: { dns_target_dir: shipDir } };
    expect((await admin.request('PUT', '/api/v1/dns/zones/page.test/reload-release', reload)).status).toBe(200);
    for (const body of [
      { name: 'txt', type: 'TXT', value: 'v=spf1 -all' },
      { name: 'alias', type: 'CNAME', value: 'www.example.net.' },
      { name: '_sip._tcp', type: 'SRV', value: '10 5 5060 sip.example.net.' },
    ]) {
      expect((await admin.request('POST', '/api/v1/dns/zones/page.test/records', body)).status).toBe(201);
    }
    const findings: string[] = [];
    for (const theme of [
      { name: 'light', colorScheme: 'light', width: 1280 },
      { name: 'dark', colorScheme: 'dark', width: 1280 },
      { name: '320 px', colorScheme: 'light', width: 320 },
    ] as const) {
      await page.emulateMedia({ colorScheme: theme.colorScheme });
      await page.setViewportSize({ width: theme.width, height: 860 });
      const check = async (what: string) => findings.push(...(await seriousAxeFindings(page)).map((f) => `${theme.name} ${what}: ${f}`));

      await page.goto(`${api.url}/dns`);
      await page.getByRole('heading', { name: 'DNS zones', level: 1 }).waitFor();
      await page.locator('tr[data-zone="page.test"]').waitFor();
      await check('/dns');

      await page.goto(`${api.url}/dns/page.test`);
      await page.getByRole('heading', { name: 'page.test', level: 1 }).waitFor();
      await page.locator('tr[data-name="alias"]').waitFor();
      await page.getByTestId('zone-render').waitFor();
      await page.getByTestId('zone-reload').getByRole('link', { name: /^release #\d+$/ }).waitFor();
      await page.locator('.render-history li').first().waitFor();
      await check('/dns/page.test');

      await page.locator('tr[data-name="txt"]').getByRole('button', { name: 'Edit' }).click();
      const form = page.getByRole('form', { name: 'Add a record' });
      await form.getByLabel('Name').fill('bad');
      await form.getByLabel('Value').fill('192.0.2.300');
      await form.getByRole('button', { name: 'Add record' }).click();
      await page.getByRole('alert').waitFor();
      await check('/dns/page.test with an edit open and an error');
      if (theme.width === 320) {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (overflow > 0) findings.push(`320 px /dns/page.test: the page overflows by ${overflow} px`);
      }
    }
    expect(findings).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('filters the table, and viewers get no edit controls', async () => {
    await admin.request('POST', '/api/v1/dns/zones/page.test/records', { name: 'mail', type: 'MX', value: '10 mx.example.net' });
    await page.reload();
    await page.locator('tr[data-name="mail"]').waitFor();
    await page.locator('tr[data-name="api"]').waitFor();
    await page.getByLabel('Filter').fill('mx');
    await page.locator('tr[data-name="api"]').waitFor({ state: 'detached' });
    expect(await page.locator('tbody tr').count()).toBe(1);

    // A browser of its own: the first one's session is the deployer's.
    viewerBrowser = await launchBrowser();
    const viewerPage = await viewerBrowser.newPage();
    await signInWithToken(viewerPage, api.url, viewerToken);
    await viewerPage.goto(`${api.url}/dns/page.test`);
    await viewerPage.locator('tr[data-name="mail"]').waitFor();
    expect(await viewerPage.getByRole('form', { name: 'Add a record' }).count()).toBe(0);
    expect(await viewerPage.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect([...browser.pageErrors, ...viewerBrowser.pageErrors]).toEqual([]);
  });
});
