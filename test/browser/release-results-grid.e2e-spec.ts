import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AnsibleEventPage, AnsibleEventSummary } from '@slipway/contracts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, screenshot, signInWithToken } from '../support/browser.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';
import { seriousAxeFindings } from '../support/axe.js';

const SECRET = `grid-${randomBytes(6).toString('hex')}`;
const LETTER: Record<string, string> = { ok: 'O', changed: 'C', failed: 'F', skipped: 'S', unreachable: 'U', ignored: 'I', rescued: 'R' };
const FINAL = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/**
 * Issue 21 item 5: the release page's Results tab in Chromium, for a real check + diff release of the
 * features playbook (loops, handlers, ignore_errors, rescue, no_log, a failing and an unreachable host),
 * opened before the release starts so that the grid fills from the live stream.
 */
describe('release page: results grid', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let dir: string;
  let viewer: ApiClient;
  let browser: TestBrowser;
  let page: Page;
  let releaseId: number;
  /** Host results the page received in answers of GET /ansible-events (not from the stream). */
  let listedItems = 0;
  let results: AnsibleEventSummary[];
  /** Hosts in the order of their first result: the grid's row order. */
  let hostOrder: string[];

  beforeAll(async () => {
    env = await createTestEnv('results-grid');
    dir = mkdtempSync(join(tmpdir(), 'slipway-results-grid-'));
    env.env.SLIPWAY_CATALOG = join(dir, 'catalog.yml');
    writeFileSync(
      env.env.SLIPWAY_CATALOG,
      [
        `project: ${resolve(REPO_ROOT, 'test/fixtures/events')}`,
        'inventories:',
        '  features: features.ini',
        'templates:',
        '  features:',
        '    playbook: features.yml',
        '    inventories: [features]',
        '    vars:',
        '      greeting: { type: string, secret: true, required: true }',
        '    checkMode: true',
        '',
      ].join('\n'),
    );
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    const admin = new ApiClient(api.url, env.bootstrapToken);
    const viewerToken = await createToken(admin, 'grid-viewer', 'viewer');
    viewer = new ApiClient(api.url, viewerToken);
    const deployer = new ApiClient(api.url, await createToken(admin, 'grid-deployer', 'deployer'));
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('response', (response) => {
      if (!/\/ansible-events\?/.test(response.url())) return;
      void response
        .json()
        .then((body: AnsibleEventPage) => (listedItems += body.items.length))
        .catch(() => undefined);
    });
    await signInWithToken(page, api.url, viewerToken);
    // Due in a moment: the page and its stream are open before the first event.
    const created = await deployer.createRelease({
      template: 'features',
      inventory: 'features',
      extraVars: { greeting: SECRET },
      checkMode: true,
      runAt: new Date(Date.now() + 6_000).toISOString(),
    });
    releaseId = created.id;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const grid = () => page.getByRole('grid', { name: 'Results by host and task' });
  const cell = (host: string, taskId: string) => grid().locator(`[role=row][data-host="${host}"] [role=gridcell][data-task-id="${taskId}"]`);
  const shownHosts = async () => grid().locator('[role=row][data-host]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-host')));
  const shownTasks = async () => grid().locator('[role=columnheader][title]').evaluateAll((hs) => hs.map((h) => h.getAttribute('title')));

  it('fills the grid live from the stream, then shows every host × task with its letter', async () => {
    await page.goto(`${api.url}/releases/${releaseId}`);
    await page.getByRole('tab', { name: 'Results' }).click();
    await page.getByRole('tabpanel', { name: 'Results' }).getByText('No results yet.').waitFor();
    // The first results arrive while ansible still waits for the unreachable host: by the stream, since
    // every answer of GET /ansible-events so far had no result in it.
    await grid().locator('[role=gridcell][data-status]:not([data-status=""])').first().waitFor({ timeout: 120_000 });
    expect(listedItems).toBe(0);
    const done = await viewer.waitForRelease(releaseId, FINAL, 180_000);
    expect(done.status).toBe('failed');

    const all: AnsibleEventSummary[] = [];
    let before: number | null = null;
    do {
      const query: string = `type=host_result&limit=500${before === null ? '' : `&before=${before}`}`;
      const response = await viewer.request<AnsibleEventPage>('GET', `/api/v1/releases/${releaseId}/ansible-events?${query}`);
      expect(response.status).toBe(200);
      all.push(...response.body.items);
      before = response.body.more ? response.body.nextBefore : null;
    } while (before !== null);
    // The latest result of each host × task is its cell.
    const latest = new Map<string, AnsibleEventSummary>();
    for (const r of all.sort((a, b) => a.seq - b.seq)) latest.set(`${r.host}\n${r.taskId}`, r);
    results = [...latest.values()];
    hostOrder = [...new Set(all.map((r) => r.host!))];
    expect(results.length).toBeGreaterThan(20);
    await waitFor('every result in the grid', async () => (await grid().locator('[role=gridcell]:not([data-status=""])').count()) === results.length, { timeoutMs: 30_000 });
    for (const r of results) {
      expect((await cell(r.host!, r.taskId!).textContent())?.trim(), `${r.host} × ${r.task}`).toBe(LETTER[r.status!]);
    }
    const byName = (host: string, task: string) => results.find((r) => r.host === host && r.task === task);
    expect(byName('gone', 'write a file')?.status).toBe('unreachable');
    expect(await cell('gone', byName('gone', 'write a file')!.taskId!).textContent()).toBe('U');
    expect(await cell('bad', byName('bad', 'fails for real on one host')!.taskId!).textContent()).toBe('F');
    const good = cell('good', byName('good', 'write a file')!.taskId!);
    expect(await good.textContent()).toBe('C');
    expect(await good.getAttribute('aria-label')).toBe('would change'); // check mode: a preview
    expect(new Set(hostOrder)).toEqual(new Set(['good', 'bad', 'localhost', 'gone']));
    expect(await shownHosts()).toEqual(hostOrder);

    // The host summary counts what the API counts.
    const hosts = (await viewer.request<{ hosts: { host: string; status: string; counts: Record<string, number> }[] }>('GET', `/api/v1/releases/${releaseId}/hosts`)).body.hosts;
    for (const h of hosts) {
      const row = page.getByTestId('host-summary').locator(`tr[data-host="${h.host}"]`);
      expect(await row.getByTestId('host-status').textContent(), h.host).toContain(h.status);
      for (const [status, n] of Object.entries(h.counts)) expect(await row.locator(`[data-count="${status}"]`).textContent(), `${h.host} ${status}`).toBe(String(n));
    }
    await screenshot(page, 'results-grid', { fullPage: true });
  }, 300_000);

  it('filters to the hosts and tasks that failed, or changed', async () => {
    const expected = (keep: (r: AnsibleEventSummary) => boolean) => ({
      hosts: hostOrder.filter((h) => results.some((r) => r.host === h && keep(r))),
      tasks: [...new Set(results.filter(keep).sort((a, b) => a.seq - b.seq).map((r) => r.task))],
    });
    const failed = expected((r) => r.status === 'failed' || r.status === 'unreachable');
    const changed = expected((r) => r.changed || r.status === 'changed');
    expect(new Set(failed.hosts)).toEqual(new Set(['bad', 'gone']));
    expect(changed.hosts.length).toBeGreaterThan(0);

    await page.getByLabel('Failed only').check();
    await waitFor('the failed-only rows', async () => JSON.stringify(await shownHosts()) === JSON.stringify(failed.hosts));
    expect(new Set(await shownTasks())).toEqual(new Set(failed.tasks));
    await page.getByLabel('Changed only').check();
    await waitFor('the changed-only rows', async () => JSON.stringify(await shownHosts()) === JSON.stringify(changed.hosts));
    expect(new Set(await shownTasks())).toEqual(new Set(changed.tasks));
    await page.getByLabel('All results').check();
    await waitFor('all rows again', async () => (await shownHosts()).length === 4);
  });

  it('opens a result with the keyboard and shows its diff (masked), and back', async () => {
    const write = results.find((r) => r.host === 'good' && r.task === 'write a file')!;
    // Tab into the grid (its first cell), then walk to good × "write a file" with the arrow keys.
    await page.getByLabel('All results').focus();
    const first = grid().locator('[role=gridcell][tabindex="0"]');
    await first.focus();
    const target = cell('good', write.taskId!);
    const [fromRow, fromCol] = [Number(await first.getAttribute('data-row')), Number(await first.getAttribute('data-col'))];
    expect([fromRow, fromCol]).toEqual([0, 0]);
    const [row, col] = [Number(await target.getAttribute('data-row')), Number(await target.getAttribute('data-col'))];
    for (let i = 0; i < col; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < row; i++) await page.keyboard.press('ArrowDown');
    await waitFor('focus on good × write a file', () => target.evaluate((el) => el === document.activeElement));
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('result-detail');
    await detail.getByRole('heading', { name: 'write a file on good' }).waitFor();
    const diff = detail.getByTestId('result-diff');
    await diff.waitFor();
    const lines = (await diff.textContent())!.split('\n');
    expect(lines[0]).toMatch(/^--- before: /);
    expect(lines).toContain('@@ -0,0 +1,1 @@');
    expect(lines.some((l) => l.startsWith('+hello '))).toBe(true);
    expect(await page.content()).not.toContain(SECRET);
    // Another cell by click: the failed host's failure message.
    const fail = results.find((r) => r.host === 'bad' && r.task === 'fails for real on one host')!;
    await cell('bad', fail.taskId!).click();
    await detail.getByRole('heading', { name: 'fails for real on one host on bad' }).waitFor();
    expect(await detail.getByTestId('result-msg').textContent()).toBe('failing bad');
    await detail.getByRole('button', { name: 'Close result' }).click();
    await waitFor('focus back in the grid', () => page.evaluate(() => document.activeElement?.getAttribute('role') === 'gridcell'));
    expect(browser.pageErrors).toEqual([]);
  });

  it('has no serious axe finding on the Results tab, with a result open', async () => {
    const fail = results.find((r) => r.host === 'bad' && r.task === 'fails for real on one host')!;
    await cell('bad', fail.taskId!).click();
    await page.getByTestId('result-detail').getByTestId('result-msg').waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await seriousAxeFindings(page), scheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
