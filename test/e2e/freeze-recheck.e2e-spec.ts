import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freezeWindowBody } from '@slipway/contracts';
import { ApiClient } from '../support/api-client.js';
import { startCli } from '../support/cli-runner.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';

/*
 * Issue 22 item 3, after the fact: a freeze window is edited (PATCH, checked as a creation is), and a
 * release queued before a window existed does not start inside it: the worker checks the freeze again
 * as it is about to start the release (the launcher's rule), and ends it cancelled, naming the window.
 */
describe('freeze windows: edit, and the worker re-checks the freeze before it starts a release', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let admin: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('freeze_recheck');
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    admin = new ApiClient(api.url, env.bootstrapToken);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  const auditOf = (type: string, id: number) =>
    queryDb<{ action: string; actor: string; details: string | Record<string, unknown> }>(env.databaseUrl, 'SELECT action, actor, details FROM audit_entries WHERE target_type = ? AND target_id = ? ORDER BY id', [type, id]);

  it('PATCH: bad changes are a 400 naming the field and change nothing; a good one is saved and audited', async () => {
    const created = await admin.request('POST', '/api/v1/freezes', { name: 'maint', startsAt: '2030-01-01T00:00:00.000Z', endsAt: '2030-01-02T00:00:00.000Z' });
    expect(created.status).toBe(201);
    const window = freezeWindowBody.parse(created.body);
    const cases: [Record<string, unknown>, string][] = [
      [{ endsAt: '2029-12-31T00:00:00Z' }, 'endsAt'],
      [{ startsAt: null, endsAt: null, cron: '0 0 30 2 *', durationMinutes: 60, timeZone: 'UTC' }, 'cron'],
      [{ startsAt: null, endsAt: null, cron: '0 16 * * 5', durationMinutes: 60, timeZone: 'Nowhere/City' }, 'timeZone'],
      // Both kinds at once (the one-off fields not cleared).
      [{ cron: '0 16 * * 5', durationMinutes: 60, timeZone: 'UTC' }, 'cron'],
      [{ durationMinutes: 0 }, 'durationMinutes'],
      [{ templates: [] }, 'templates'],
      [{ name: 'has space' }, 'name'],
      [{ colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const { status, body: answer } = await admin.request<{ errors?: { field: string }[]; message: string }>('PATCH', `/api/v1/freezes/${window.id}`, body);
      expect({ field, status }).toEqual({ field, status: 400 });
      expect(JSON.stringify(answer)).toContain(field);
    }
    const other = await admin.request('POST', '/api/v1/freezes', { name: 'other', startsAt: '2030-02-01T00:00:00.000Z', endsAt: '2030-02-02T00:00:00.000Z' });
    expect(other.status).toBe(201);
    const clash = await admin.request<{ message: string }>('PATCH', `/api/v1/freezes/${window.id}`, { name: 'other' });
    expect(clash.status).toBe(409);
    expect(clash.body.message).toMatch(/^name: /);
    expect((await admin.request('PATCH', '/api/v1/freezes/999999', { name: 'x' })).status).toBe(404);
    // Nothing changed.
    const stored = (await admin.request<{ id: number }[]>('GET', '/api/v1/freezes')).body.find((w) => w.id === window.id);
    expect(freezeWindowBody.parse(stored)).toEqual(window);

    const changed = await admin.request('PATCH', `/api/v1/freezes/${window.id}`, { startsAt: null, endsAt: null, cron: '0 16 * * 5', durationMinutes: 960, timeZone: 'Europe/Berlin', templates: ['hello'] });
    expect(changed.status).toBe(200);
    expect(freezeWindowBody.parse(changed.body)).toMatchObject({ id: window.id, name: 'maint', kind: 'recurring', startsAt: null, endsAt: null, cron: '0 16 * * 5', durationMinutes: 960, timeZone: 'Europe/Berlin', templates: ['hello'], inventories: null });
    const audit = await auditOf('freeze-window', window.id);
    expect(audit.map((a) => a.action)).toEqual(['freeze.create', 'freeze.update']);
    const details = typeof audit[1].details === 'string' ? JSON.parse(audit[1].details) : audit[1].details;
    expect(details).toMatchObject({ before: { kind: 'one-off' }, after: { kind: 'recurring', cron: '0 16 * * 5' } });

    // The CLI: back to a one-off window, for every template.
    const cli = await startCli(['--json', 'freeze', 'edit', String(window.id), '--from', '2031-01-01T00:00:00Z', '--to', '2031-01-03T00:00:00Z', '--templates', 'all'], { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: env.bootstrapToken }).done;
    expect(cli.code).toBe(0);
    expect(freezeWindowBody.parse(JSON.parse(cli.stdout))).toMatchObject({ kind: 'one-off', startsAt: '2031-01-01T00:00:00.000Z', cron: null, templates: null });
    const bad = await startCli(['freeze', 'edit', String(window.id), '--to', '2030-12-31T00:00:00Z'], { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: env.bootstrapToken }).done;
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('endsAt');
    for (const id of [window.id, freezeWindowBody.parse(other.body).id]) expect((await admin.request('DELETE', `/api/v1/freezes/${id}`)).status).toBe(200);
  });

  it('a release queued before a window was created never starts inside it: cancelled, naming the window and its end; one with an override runs', { timeout: 120_000 }, async () => {
    const hook = await admin.request('POST', '/api/v1/webhooks', { url: 'https://hooks.example.com/slipway', events: ['release.cancelled'] });
    expect(hook.status).toBe(201);
    // Queued with no window in force, due in a few seconds.
    const queued = await admin.createRelease({ template: 'hello', runAt: new Date(Date.now() + 8_000).toISOString() });
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const window = await admin.request<{ id: number }>('POST', '/api/v1/freezes', { name: 'late-freeze', startsAt: new Date(Date.now() - 1_000).toISOString(), endsAt, templates: ['hello'] });
    expect(window.status).toBe(201);
    // The window must exist before the release is due, or the test proves nothing.
    expect(new Date(queued.runAt as string).getTime()).toBeGreaterThan(Date.now());
    // Created inside the window with an admin's override, due in a few seconds too: it runs.
    const overridden = await admin.createRelease({ template: 'hello', runAt: new Date(Date.now() + 6_000).toISOString(), overrideFreeze: 'hotfix for INC-7, approved by the CAB' });
    expect(overridden.freezeOverride).toMatchObject({ window: 'late-freeze' });

    const cancelled = await admin.waitForRelease(queued.id, ['cancelled', 'running', 'succeeded', 'failed'], 60_000);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.startedAt).toBeNull();
    expect(cancelled.reason).toContain('"late-freeze"');
    expect(cancelled.reason).toContain(new Date(endsAt).toISOString());
    expect(await admin.log(queued.id)).toBe('');
    const audit = await auditOf('release', queued.id);
    expect(audit.map((a) => [a.action, a.actor])).toEqual([['release.create', 'bootstrap'], ['release.cancel', 'freeze window late-freeze']]);
    const deliveries = await queryDb<{ event_type: string }>(env.databaseUrl, 'SELECT event_type FROM webhook_deliveries WHERE release_id = ?', [queued.id]);
    expect(deliveries.map((d) => d.event_type)).toEqual(['release.cancelled']);

    expect((await admin.waitForRelease(overridden.id, ['succeeded', 'failed', 'cancelled'], 60_000)).status).toBe('succeeded');
  });
});
