import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freezeStatusBody, releaseBody, scheduleBody, scheduleDetailBody, schedulePreviewBody } from '@slipway/contracts';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { startCli } from '../support/cli-runner.js';
import { waitFor } from '../support/wait-for.js';

/** Short, so several ticks pass within the test; a tick is due at most this late. */
const SCHEDULE_POLL_MS = '300';

/*
 * Issue 22 items 1 and 3 with the real processes: two API processes and two workers, a schedule ticking
 * every 3 s, one worker killed with kill -9 at a tick: every tick makes exactly one release. Freeze
 * windows refuse the API and a schedule's tick, an admin's override is recorded and audited, and bad input
 * is a 400 naming the field that changes nothing.
 */
describe('schedules and freeze windows (2 APIs, 2 workers)', () => {
  let env: TestEnv;
  const apis: RunningApi[] = [];
  let workers: ServiceProcess[] = [];
  let admin: ApiClient;
  let other: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('schedules');
    const processEnv = { ...env.env, SCHEDULE_POLL_MS };
    // One after the other: the first start migrates the database.
    apis.push(await startApi(processEnv));
    apis.push(await startApi(processEnv));
    workers = await Promise.all([startWorker(processEnv), startWorker(processEnv)]);
    admin = new ApiClient(apis[0].url, env.bootstrapToken);
    other = new ApiClient(apis[1].url, env.bootstrapToken);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...workers, ...apis].map((p) => p.stop()));
    await env?.cleanup();
  });

  const ticksOf = (id: number) =>
    queryDb<{ tick_at: Date; outcome: string; release_id: number | null; detail: string | null }>(env.databaseUrl, 'SELECT tick_at, outcome, release_id, detail FROM schedule_ticks WHERE schedule_id = ? ORDER BY tick_at', [id]);

  it('bad input is a 400 naming the field, and creates nothing', async () => {
    const good = { name: 'bad-input', template: 'hello', cron: '0 3 * * *', timeZone: 'Europe/Berlin' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, cron: '0 0 30 2 *' }, 'cron'],
      [{ ...good, cron: 'every day' }, 'cron'],
      [{ ...good, timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ ...good, template: 'no-such-template' }, 'template'],
      [{ ...good, extraVars: { greeting: 42 } }, 'extraVars.greeting'],
      [{ ...good, extraVars: { ansible_become: true } }, 'extraVars.ansible_become'],
      [{ ...good, inventory: 'prod' }, 'inventory'],
    ];
    for (const [body, field] of cases) {
      const { status, body: answer } = await admin.request<{ errors: { field: string }[] }>('POST', '/api/v1/schedules', body);
      expect({ field, status }).toEqual({ field, status: 400 });
      expect(answer.errors.map((e) => e.field)).toContain(field);
    }
    const freezeCases: [Record<string, unknown>, string][] = [
      [{ name: 'w', startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }, 'endsAt'],
      [{ name: 'w', cron: '0 0 31 4 *', durationMinutes: 60, timeZone: 'UTC' }, 'cron'],
      [{ name: 'w', cron: '0 16 * * 5', durationMinutes: 60, timeZone: 'Nowhere/City' }, 'timeZone'],
    ];
    for (const [body, field] of freezeCases) {
      const { status, body: answer } = await admin.request<{ errors: { field: string }[] }>('POST', '/api/v1/freezes', body);
      expect({ field, status }).toEqual({ field, status: 400 });
      expect(answer.errors.map((e) => e.field)).toContain(field);
    }
    expect((await admin.request<unknown[]>('GET', '/api/v1/schedules')).body).toEqual([]);
    expect((await admin.request<unknown[]>('GET', '/api/v1/freezes')).body).toEqual([]);
  });

  it('preview: the next runs in the zone', async () => {
    const { status, body } = await admin.request('POST', '/api/v1/schedules/preview', { cron: '30 2 * * *', timeZone: 'Europe/Berlin', count: 3 });
    expect(status).toBe(200);
    const preview = schedulePreviewBody.parse(body);
    expect(preview.nextRuns).toHaveLength(3);
  });

  it('every 3 s with a worker killed with kill -9 at a tick: exactly one release per tick', { timeout: 150_000 }, async () => {
    const created = await admin.request('POST', '/api/v1/schedules', { name: 'every-3s', template: 'hello', cron: '*/3 * * * * *', timeZone: 'UTC', extraVars: { greeting: 'tick' } });
    expect(created.status).toBe(201);
    const schedule = scheduleBody.parse(created.body);
    // Kill one worker exactly at the second tick's instant, while a pass may be launching it.
    await waitFor('the first tick to be launched', async () => (await ticksOf(schedule.id)).some((t) => t.outcome === 'launched'), { timeoutMs: 30_000 });
    const next = new Date(scheduleDetailBody.parse((await admin.request('GET', `/api/v1/schedules/${schedule.id}`)).body).nextRuns[0]).getTime();
    await waitFor('the next tick instant', async () => Date.now() >= next, { timeoutMs: 10_000, intervalMs: 5 });
    workers[0].signal('SIGKILL');
    await workers[0].exited;
    // Ticks go on with the other worker (a claim the dead one held is finished by the next pass).
    await waitFor('4 more ticks recorded', async () => (await ticksOf(schedule.id)).filter((t) => t.tick_at.getTime() > next && t.outcome === 'launched').length >= 4, { timeoutMs: 90_000 });
    await admin.request('POST', `/api/v1/schedules/${schedule.id}/pause`, { reason: 'test over' });
    const ticks = await ticksOf(schedule.id);
    const releases = await queryDb<{ id: number }>(env.databaseUrl, 'SELECT id FROM releases WHERE requested_by = ?', [`schedule ${schedule.id}`]);
    const launched = ticks.filter((t) => t.outcome === 'launched');
    const stillLaunching = ticks.filter((t) => t.outcome === 'launching');
    // One release per launched tick, never two: every release is some tick's, and no tick's release is another's.
    expect(new Set(launched.map((t) => Number(t.release_id))).size).toBe(launched.length);
    const releaseIds = releases.map((r) => Number(r.id));
    expect(releaseIds).toEqual(expect.arrayContaining(launched.map((t) => Number(t.release_id))));
    // A release beyond those can only be the one of a tick still being recorded (paused mid-pass).
    expect(releaseIds.length - launched.length).toBeLessThanOrEqual(stillLaunching.length);
    // The schedule's page (read through the other API) shows its ticks and the releases they made.
    const detail = scheduleDetailBody.parse((await other.request('GET', `/api/v1/schedules/${schedule.id}`)).body);
    expect(detail.state).toBe('paused');
    expect(detail.ticks.filter((t) => t.outcome === 'launched').map((t) => t.releaseId)).toEqual(expect.arrayContaining(launched.slice(-3).map((t) => Number(t.release_id))));
    const audit = await queryDb<{ action: string }>(env.databaseUrl, "SELECT action FROM audit_entries WHERE target_type = 'schedule' AND target_id = ? ORDER BY id", [schedule.id]);
    expect(audit.map((a) => a.action)).toEqual(['schedule.create', 'schedule.pause']);
  });

  it('a freeze refuses the API (409 naming the window and its end) and a tick (skipped); an admin override is recorded and audited', { timeout: 90_000 }, async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const window = await admin.request<{ id: number }>('POST', '/api/v1/freezes', { name: 'incident-42', startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt, templates: ['hello'] });
    expect(window.status).toBe(201);
    const status = freezeStatusBody.parse((await other.request('GET', '/api/v1/freezes/status')).body);
    expect(status.active.map((o) => o.window)).toEqual(['incident-42']);

    const refused = await other.request<{ message: string; window: { name: string; endsAt: string } }>('POST', '/api/v1/releases', { template: 'hello' });
    expect(refused.status).toBe(409);
    expect(refused.body.window).toMatchObject({ name: 'incident-42', endsAt: new Date(endsAt).toISOString() });
    expect(refused.body.message).toContain(`"incident-42" is in force until ${new Date(endsAt).toISOString()}`);
    // Another template is not frozen.
    expect((await admin.request('POST', '/api/v1/releases', { template: 'deploy-sim', extraVars: { seconds: 1 } })).status).toBe(201);

    const deployer = new ApiClient(apis[0].url, await createToken(admin, 'release-bot', 'deployer'));
    const notAdmin = await deployer.request<{ message: string }>('POST', '/api/v1/releases', { template: 'hello', overrideFreeze: 'I really want to ship this now' });
    expect(notAdmin.status).toBe(403);
    const overridden = await admin.request('POST', '/api/v1/releases', { template: 'hello', overrideFreeze: 'hotfix for INC-42, approved by the CAB' });
    expect(overridden.status).toBe(201);
    const release = releaseBody.parse(overridden.body);
    expect(release.freezeOverride).toEqual({ windowId: window.body.id, window: 'incident-42', reason: 'hotfix for INC-42, approved by the CAB', by: 'bootstrap' });
    // As stored: read back through the other API process.
    expect(releaseBody.parse((await other.request('GET', `/api/v1/releases/${release.id}`)).body).freezeOverride).toEqual(release.freezeOverride);
    // A rerun is a launch too: refused in the freeze, unless an admin overrides it.
    expect((await admin.request('POST', `/api/v1/releases/${release.id}/rerun`, {})).status).toBe(409);
    expect((await deployer.request('POST', `/api/v1/releases/${release.id}/rerun`, { overrideFreeze: 'the deployer wants it' })).status).toBe(403);
    const rerun = await admin.request('POST', `/api/v1/releases/${release.id}/rerun`, { overrideFreeze: 'rerun of the hotfix for INC-42' });
    expect(rerun.status).toBe(201);
    expect(releaseBody.parse(rerun.body).freezeOverride).toMatchObject({ window: 'incident-42', reason: 'rerun of the hotfix for INC-42' });
    const [entry] = await queryDb<{ details: string | Record<string, unknown> }>(env.databaseUrl, "SELECT details FROM audit_entries WHERE action = 'release.create' AND target_id = ?", [release.id]);
    const details = typeof entry.details === 'string' ? JSON.parse(entry.details) : entry.details;
    expect(details.freezeOverride).toMatchObject({ window: 'incident-42', reason: 'hotfix for INC-42, approved by the CAB' });

    const created = await admin.request('POST', '/api/v1/schedules', { name: 'frozen-2s', template: 'hello', cron: '*/2 * * * * *', timeZone: 'UTC' });
    const schedule = scheduleBody.parse(created.body);
    await waitFor('a tick recorded as skipped', async () => (await ticksOf(schedule.id)).some((t) => t.outcome === 'skipped'), { timeoutMs: 30_000 });
    await admin.request('POST', `/api/v1/schedules/${schedule.id}/pause`);
    const ticks = await ticksOf(schedule.id);
    expect(ticks.filter((t) => t.outcome === 'launched')).toEqual([]);
    expect(ticks.find((t) => t.outcome === 'skipped')?.detail).toContain('"incident-42" is in force');
    expect((await admin.request('DELETE', `/api/v1/freezes/${window.body.id}`)).status).toBe(200);
    const audit = await queryDb<{ action: string }>(env.databaseUrl, "SELECT action FROM audit_entries WHERE target_type = 'freeze-window' ORDER BY id");
    expect(audit.map((a) => a.action)).toEqual(['freeze.create', 'freeze.delete']);
  });

  it('the CLI: schedule create|list|show|preview|pause|resume|delete and freeze create|list|delete', { timeout: 90_000 }, async () => {
    const cli = async (...args: string[]) => startCli(args, { SLIPWAY_URL: apis[1].url, SLIPWAY_TOKEN: env.bootstrapToken }).done;
    const preview = await cli('schedule', 'preview', '--cron', '30 2 * * *', '--tz', 'America/New_York', '-n', '2');
    expect(preview.code).toBe(0);
    expect(preview.stdout.trim().split('\n')).toHaveLength(2);
    const created = await cli('--json', 'schedule', 'create', '--name', 'cli-nightly', '--template', 'hello', '--cron', '30 2 * * *', '--tz', 'Europe/Berlin', '-e', 'greeting=night', '--paused');
    expect(created.code).toBe(0);
    const { id } = scheduleBody.parse(JSON.parse(created.stdout));
    expect((await cli('schedule', 'list')).stdout).toContain('cli-nightly');
    expect((await cli('schedule', 'show', String(id))).stdout).toMatch(/state\s+paused \(created paused by bootstrap\)/);
    expect((await cli('schedule', 'resume', String(id))).code).toBe(0);
    expect((await cli('schedule', 'pause', String(id), '--reason', 'holiday')).stdout).toContain('paused');
    expect((await cli('schedule', 'delete', String(id))).code).toBe(0);
    const bad = await cli('schedule', 'create', '--name', 'x', '--template', 'hello', '--cron', '0 3 * * *', '--tz', 'Nowhere/City');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('timeZone');

    const window = await cli('--json', 'freeze', 'create', '--name', 'cli-fridays', '--cron', '0 16 * * 5', '--duration', '960', '--tz', 'Europe/Berlin', '--templates', 'deploy-sim');
    expect(window.code).toBe(0);
    const windowId = (JSON.parse(window.stdout) as { id: number }).id;
    expect((await cli('freeze', 'list')).stdout).toContain('cli-fridays');
    const reversed = await cli('freeze', 'create', '--name', 'backwards', '--from', '2030-01-02T00:00:00Z', '--to', '2030-01-01T00:00:00Z');
    expect(reversed.code).not.toBe(0);
    expect(reversed.stderr).toContain('endsAt');
    expect((await cli('freeze', 'delete', String(windowId))).code).toBe(0);
  });
});
