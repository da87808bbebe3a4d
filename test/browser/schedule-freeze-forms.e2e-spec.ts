import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleBody } from '@slipway/contracts';
import { ApiClient } from '../support/api-client.js';
import { type TestBrowser, launchBrowser, screenshot, signInWithToken } from '../support/browser.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { seriousAxeFindingsInBothSchemes } from '../support/axe.js';

/**
 * Issue 22: schedules and freeze windows are managed from the dashboard. A schedule is created from the
 * New schedule form (a template's typed vars as the New release form shows them, cron, time zone, the
 * API's live preview of its next runs, errors at their fields), paused, resumed and deleted from its page,
 * which shows its last and next runs and the releases it made. Admins list, create, edit and delete freeze
 * windows. No serious or critical axe finding on those pages. Real API, worker (the ticker), MariaDB, Redis.
 */
describe('schedules and freeze windows pages in a browser', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let admin: ApiClient;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    env = await createTestEnv('dash_schedules');
    const processEnv = { ...env.env, SCHEDULE_POLL_MS: '300' };
    api = await startApi(processEnv);
    worker = await startWorker(processEnv);
    admin = new ApiClient(api.url, env.bootstrapToken);
    // UTC: the datetime-local values the test types are the ISO times it expects back.
    browser = await launchBrowser(undefined, { timezoneId: 'UTC' });
    page = await browser.newPage();
    await signInWithToken(page, api.url, env.bootstrapToken);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  /** The error shown at a field, found by the field it belongs to (never by its text). */
  const errorAt = (field: string) => page.locator(`.field-error[data-field="${field}"]`);

  const seriousAxeFindings = () => seriousAxeFindingsInBothSchemes(page);

  const schedules = async () => (await admin.request<unknown[]>('GET', '/api/v1/schedules')).body;

  it('creates a schedule from the form: typed vars, live preview, errors at their fields, nothing saved until it is right', { timeout: 120_000 }, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.getByRole('heading', { name: 'New schedule' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('web-nightly');
    await page.getByLabel('Template').selectOption('deploy-web');
    await page.getByLabel('Inventory').selectOption('prod');
    // The template's declared vars, typed, with their defaults; its secret is not offered (a schedule stores none).
    await page.getByLabel('version').fill('1.2.3');
    expect(await page.getByLabel('canary').inputValue()).toBe('10');
    expect(await page.locator('#var-db_password').count()).toBe(0);
    expect(await page.getByText('Secret vars (db_password) are not stored in a schedule').count()).toBe(1);

    // The preview is the API's reading of cron and zone, as they are typed.
    await page.getByLabel('Cron').fill('30 2 * * *');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    const preview = page.getByTestId('schedule-preview');
    await preview.locator('li').nth(4).waitFor();
    expect(await preview.locator('li').count()).toBe(5);
    for (const run of await preview.locator('li').allTextContents()) expect(run).toMatch(/02:30 \(Europe\/Berlin\)$/);
    // A zone the API does not know, a cron it cannot read: said at those fields by the preview already.
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await errorAt('timeZone').waitFor();
    expect(await errorAt('timeZone').textContent()).toContain('Time zone');
    expect(await preview.locator('li').count()).toBe(0);
    expect(await seriousAxeFindings()).toEqual([]);

    // Submitted anyway: the API's 400 lands at its field, with the browser's own checks at theirs; nothing is created.
    await page.getByLabel('canary').fill('150');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await errorAt('extraVars.canary').waitFor();
    expect(await errorAt('extraVars.canary').textContent()).toBe('canary must be at most 100');
    await page.getByLabel('canary').fill('25');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForFunction(() => document.activeElement?.id === 'field-timeZone');
    expect(await errorAt('timeZone').textContent()).toContain('Mars/Olympus');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await page.getByLabel('Cron').fill('every day');
    await errorAt('cron').waitFor();
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForFunction(() => document.activeElement?.id === 'field-cron');
    expect(await schedules()).toEqual([]);

    await page.getByLabel('Cron').fill('30 2 * * 1-5');
    await preview.locator('li').nth(4).waitFor();
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.getByRole('heading', { name: 'Schedule web-nightly' }).waitFor();
    const [saved] = (await schedules()).map((s) => scheduleBody.parse(s));
    // A var left at its default is not stored: it follows the catalog's default.
    expect(saved).toMatchObject({ name: 'web-nightly', template: 'deploy-web', inventory: 'prod', cron: '30 2 * * 1-5', timeZone: 'Europe/Berlin', state: 'active', extraVars: { version: '1.2.3', canary: 25 } });
    expect(Object.keys(saved.extraVars).sort()).toEqual(['canary', 'version']);
    expect(await page.getByTestId('schedule-state').textContent()).toBe('active');
    expect(await page.getByTestId('schedule-last').textContent()).toBe('never');
    expect(await page.getByTestId('schedule-next').locator('li').count()).toBe(5);
    expect(browser.pageErrors).toEqual([]);
  });

  it('its page shows last and next runs and the releases it made; pause, resume and delete (confirmed) from it', { timeout: 120_000 }, async () => {
    await page.goto(`${api.url}/schedules/new`);
    await page.getByLabel('Name', { exact: true }).fill('every-2s');
    await page.getByLabel('Template').selectOption('hello');
    await page.getByLabel('greeting').fill('from the dashboard');
    await page.getByLabel('Cron').fill('*/2 * * * * *');
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByTestId('schedule-preview').locator('li').first().waitFor();
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.getByRole('heading', { name: 'Schedule every-2s' }).waitFor();

    // A tick made a release: linked from the ticks table and the last run.
    const made = page.getByTestId('schedule-ticks').getByRole('link', { name: /^#\d+$/ });
    await made.first().waitFor({ timeout: 30_000 });
    const releaseId = Number((await made.first().textContent())!.slice(1));
    const [release] = await queryDb<{ requested_by: string }>(env.databaseUrl, 'SELECT requested_by FROM releases WHERE id = ?', [releaseId]);
    expect(release.requested_by).toMatch(/^schedule \d+$/);
    await page.getByTestId('schedule-last').getByRole('link').waitFor();
    expect(await seriousAxeFindings()).toEqual([]);
    await screenshot(page, 'schedule-page-actions', { fullPage: true });

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    expect(await page.getByTestId('schedule-state').textContent()).toBe('paused (paused by bootstrap)');
    expect(await page.getByTestId('schedule-next').textContent()).toBe('—');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    expect(await page.getByTestId('schedule-state').textContent()).toBe('active');

    // Delete asks first; keeping it changes nothing.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog', { name: 'Delete schedule every-2s?' }).waitFor();
    await page.getByRole('button', { name: 'Keep it' }).click();
    expect((await schedules()).length).toBe(2);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete schedule' }).click();
    await page.getByRole('heading', { name: 'Schedules' }).waitFor();
    expect((await schedules()).map((s) => scheduleBody.parse(s).name)).toEqual(['web-nightly']);
    // The releases it made stay.
    expect((await admin.getRelease(releaseId)).id).toBe(releaseId);
    const audit = await queryDb<{ action: string }>(env.databaseUrl, "SELECT action FROM audit_entries WHERE target_type = 'schedule' ORDER BY id");
    expect(audit.map((a) => a.action)).toEqual(['schedule.create', 'schedule.create', 'schedule.pause', 'schedule.resume', 'schedule.delete']);
    expect(browser.pageErrors).toEqual([]);
  });

  it('admins list, create, edit and delete freeze windows; bad input is shown at its field and saves nothing', { timeout: 120_000 }, async () => {
    const local = (ms: number) => new Date(ms).toISOString().slice(0, 16);
    const hour = 3_600_000;
    const start = Math.ceil(Date.now() / 60_000) * 60_000 + 48 * hour;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Freezes' }).click();
    await page.getByRole('heading', { name: 'New freeze window' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('release-freeze');
    await page.getByLabel('Starts', { exact: true }).fill(local(start));
    await page.getByLabel('Ends', { exact: true }).fill(local(start - hour));
    await page.getByLabel('Templates', { exact: true }).fill('deploy-web');
    await page.getByRole('button', { name: 'Create window' }).click();
    await errorAt('endsAt').waitFor();
    expect(await errorAt('endsAt').textContent()).toMatch(/^Ends .* is not after startsAt/);
    expect((await admin.request<unknown[]>('GET', '/api/v1/freezes')).body).toEqual([]);
    expect(await seriousAxeFindings()).toEqual([]);

    await page.getByLabel('Ends', { exact: true }).fill(local(start + 2 * hour));
    await page.getByRole('button', { name: 'Create window' }).click();
    const row = page.getByTestId('freeze-release-freeze');
    await row.waitFor();
    expect(await row.textContent()).toContain('templates deploy-web; every inventory');

    // Edit: into a recurring window; an unknown zone is refused at its field and changes nothing.
    await page.getByRole('button', { name: 'Edit release-freeze' }).click();
    await page.getByRole('heading', { name: 'Edit freeze window release-freeze' }).waitFor();
    expect(await page.getByLabel('Starts', { exact: true }).inputValue()).toBe(local(start));
    await page.getByLabel('Recurring (cron, duration, time zone)').check();
    await page.getByLabel('Cron', { exact: true }).fill('0 16 * * 5');
    await page.getByLabel('Duration', { exact: true }).fill('960');
    await page.getByLabel('Time zone', { exact: true }).fill('Nowhere/City');
    await page.getByLabel('Templates', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Save window' }).click();
    await errorAt('timeZone').waitFor();
    const [unchanged] = (await admin.request<{ kind: string; templates: string[] | null }[]>('GET', '/api/v1/freezes')).body;
    expect(unchanged).toMatchObject({ kind: 'one-off', templates: ['deploy-web'] });
    await page.getByLabel('Time zone', { exact: true }).fill('Europe/Berlin');
    await page.getByRole('button', { name: 'Save window' }).click();
    await page.getByText('Freeze window release-freeze saved.').waitFor();
    await row.filter({ hasText: '0 16 * * 5 (Europe/Berlin) for 960 min' }).waitFor();
    expect(await row.textContent()).toContain('every template; every inventory');
    expect(await seriousAxeFindings()).toEqual([]);
    await screenshot(page, 'freezes-page-admin', { fullPage: true });

    await page.getByRole('button', { name: 'Delete release-freeze' }).click();
    await page.getByRole('button', { name: 'Delete window' }).click();
    await page.getByText('No freeze window.').waitFor();
    const audit = await queryDb<{ action: string }>(env.databaseUrl, "SELECT action FROM audit_entries WHERE target_type = 'freeze-window' ORDER BY id");
    expect(audit.map((a) => a.action)).toEqual(['freeze.create', 'freeze.update', 'freeze.delete']);
    expect(browser.pageErrors).toEqual([]);
  });

  it('a viewer sees the windows and schedules but no form or button that changes them', { timeout: 60_000 }, async () => {
    expect((await admin.request('POST', '/api/v1/freezes', { name: 'viewer-sees', startsAt: new Date(Date.now() + 48 * 3_600_000).toISOString(), endsAt: new Date(Date.now() + 50 * 3_600_000).toISOString() })).status).toBe(201);
    // The admin's session ends here (the last test): the same browser signs in as a viewer.
    await browser.context.clearCookies();
    const viewerPage = page;
    await signInWithToken(viewerPage, api.url, await createToken(admin, 'schedules-viewer', 'viewer'));
    await viewerPage.goto(`${api.url}/freezes`);
    await viewerPage.getByTestId('freeze-viewer-sees').waitFor();
    expect(await viewerPage.getByRole('heading', { name: 'New freeze window' }).count()).toBe(0);
    expect(await viewerPage.getByRole('button', { name: /Edit|Delete/ }).count()).toBe(0);
    await viewerPage.goto(`${api.url}/schedules`);
    await viewerPage.getByTestId('schedules-table').waitFor();
    expect(await viewerPage.getByRole('link', { name: 'New schedule' }).count()).toBe(0);
    await viewerPage.getByRole('link', { name: 'web-nightly' }).click();
    await viewerPage.getByRole('heading', { name: 'Schedule web-nightly' }).waitFor();
    expect(await viewerPage.getByRole('button', { name: /Pause|Resume|Delete/ }).count()).toBe(0);
    await viewerPage.goto(`${api.url}/schedules/new`);
    await viewerPage.getByRole('alert').filter({ hasText: 'creating a schedule needs a deployer or admin token' }).waitFor();
    expect(browser.pageErrors).toEqual([]);
  });
});
