import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { scheduleDetailBody } from '@slipway/contracts';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv } from '../support/test-env.js';

/*
 * Issue 22 item 1: a catalog reload that makes a schedule invalid pauses it with the reason shown, at
 * the reload (not only at its next tick), through the real API and its reload route.
 */
const dir = mkdtempSync(join(tmpdir(), 'slipway-schedule-reload-'));
const catalogFile = join(dir, 'catalog.yml');

function writeCatalog(greeting: Record<string, unknown>): void {
  writeFileSync(catalogFile, stringify({
    project: join(REPO_ROOT, 'examples/playbooks'),
    inventories: { local: 'inventories/local.ini' },
    templates: { nightly: { playbook: 'hello.yml', inventories: ['local'], timeout: 60, vars: { greeting } } },
  }));
}

describe('a catalog reload that invalidates a schedule', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: ApiClient;

  beforeAll(async () => {
    writeCatalog({ type: 'string', default: 'hi' });
    env = await createTestEnv('schedule-reload');
    api = await startApi({ ...env.env, SLIPWAY_CATALOG: catalogFile });
    admin = new ApiClient(api.url, env.bootstrapToken);
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pauses it with the launcher reason naming the var; resume is refused until the schedule fits again', async () => {
    const created = await admin.request<{ id: number }>('POST', '/api/v1/schedules', { name: 'nightly', template: 'nightly', cron: '30 2 * * *', timeZone: 'Europe/Berlin', extraVars: { greeting: 'good night' } });
    expect(created.status).toBe(201);
    // The var becomes an integer: the stored "good night" no longer fits.
    writeCatalog({ type: 'integer', default: 1 });
    const reload = await admin.request<{ result: string }>('POST', '/api/v1/catalog/reload');
    expect(reload.body.result).toBe('applied');
    const schedule = scheduleDetailBody.parse((await admin.request('GET', `/api/v1/schedules/${created.body.id}`)).body);
    expect(schedule.state).toBe('paused');
    expect(schedule.pausedReason).toMatch(/^paused by catalog reload .*extraVars\.greeting/);
    expect(schedule.nextRuns).toEqual([]);
    const resume = await admin.request<{ errors: { field: string }[] }>('POST', `/api/v1/schedules/${created.body.id}/resume`);
    expect(resume.status).toBe(400);
    expect(resume.body.errors.map((e) => e.field)).toContain('extraVars.greeting');
  });
});
