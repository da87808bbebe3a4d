import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnsibleEventBody,
  type AnsibleEventPage,
  type Release,
  type ReleaseHosts,
  type ReleaseTasks,
  ansibleEventBody,
  ansibleEventPage,
  releaseBody,
  releaseHosts,
  releaseTasks,
} from '@slipway/contracts';
import { ApiClient } from '../support/api-client.js';
import { startCli } from '../support/cli-runner.js';
import { dumpDatabase } from '../support/db-dump.js';
import { type RunningApi, type ServiceProcess, runProcesses, startApi, startWorker } from '../support/processes.js';
import { readSse } from '../support/sse-client.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';

// Issue 21 end to end: the real worker runs the real ansible-playbook with the callback plugin; the API
// answers what changed. The secret is given as a secret var and reaches stdout, a registered var and a diff.
const SECRET = `ev-${randomBytes(6).toString('hex')}`;
const FINAL = ['succeeded', 'failed', 'cancelled', 'interrupted'];

function catalogYaml(): string {
  return [
    `project: ${resolve(REPO_ROOT, 'test/fixtures/events')}`,
    'inventories:',
    '  features: features.ini',
    '  fifty: fifty-hosts.ini',
    'templates:',
    '  features:',
    '    playbook: features.yml',
    '    inventories: [features]',
    '    vars:',
    '      greeting: { type: string, secret: true, required: true }',
    '  fifty:',
    '    playbook: fifty-by-twenty.yml',
    '    inventories: [fifty]',
    '',
  ].join('\n');
}

/** The set-up's whole budget, inside the hook's timeout, so the budget (which names the step) runs out first. */
const SETUP_BUDGET_MS = 280_000;

/**
 * The set-up's steps share one budget: each runs within what is left of it (and its own cap), and when
 * the budget runs out the error names the step and how long each step before it took. Twice in a full
 * run the set-up outlived the 300 s hook with no step's own timeout spent: steps that each stay under
 * their own cap (60 s API, 60 s worker, 90 s stream, 90 s release) add up past the hook when the two
 * cores are starved, and vitest then said only "hook timed out".
 */
function setupBudget(totalMs: number) {
  const started = Date.now();
  const took: string[] = [];
  return function within<T>(step: string, promise: Promise<T>, capMs = 90_000): Promise<T> {
    const stepStarted = Date.now();
    const ms = Math.max(0, Math.min(capMs, started + totalMs - stepStarted));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const before = took.length ? `; before it: ${took.join(', ')}` : '';
        reject(new Error(`set-up step "${step}" still running after ${ms} ms (${Math.round((Date.now() - started) / 1000)} s into a ${totalMs / 1000} s set-up budget${before})`));
      }, ms);
    });
    return Promise.race([promise, deadline]).finally(() => {
      clearTimeout(timer);
      took.push(`${step} ${Math.round((Date.now() - stepStarted) / 1000)} s`);
    });
  };
}

describe('what changed: per-host, per-task results of a release', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let bot: ApiClient;
  let botToken: string;
  let dir: string;
  let features: Release;
  let live: Awaited<ReturnType<typeof readSse>>;

  const get = async <T>(path: string, schema: { parse: (v: unknown) => T }): Promise<{ body: T; text: string }> => {
    const response = await bot.request<unknown>('GET', path);
    expect(response.status, response.text).toBe(200);
    expect(response.text).not.toContain(SECRET);
    return { body: schema.parse(response.body), text: response.text };
  };

  beforeAll(async () => {
    const within = setupBudget(SETUP_BUDGET_MS);
    env = await within('the test environment', createTestEnv('release-events'));
    dir = mkdtempSync(join(tmpdir(), 'slipway-release-events-'));
    writeFileSync(join(dir, 'catalog.yml'), catalogYaml());
    env.env.SLIPWAY_CATALOG = join(dir, 'catalog.yml');
    api = await within('the API', startApi(env.env));
    worker = await within('the worker', startWorker(env.env));
    botToken = await within('the bot token', createToken(new ApiClient(api.url, env.bootstrapToken), 'events-bot', 'deployer'));
    bot = new ApiClient(api.url, botToken);
    // Due in a moment, so the live stream is open before the first event.
    features = (await within('the release', bot.createRelease({
      template: 'features',
      inventory: 'features',
      extraVars: { greeting: SECRET },
      runAt: new Date(Date.now() + 2_000).toISOString(),
    }))) as unknown as Release;
    try {
      // The features release is most of the set-up: ~45 ansible module runs, 20 s of CPU alone and past
      // 190 s with the cores starved (seen beside the browser grid test), so it may use what is left.
      live = await within('the live stream to its end', readSse(`${api.url}/api/v1/releases/${features.id}/events`, {
        headers: { authorization: `Bearer ${botToken}` },
        stopWhen: (event) => event.event === 'end',
        timeoutMs: SETUP_BUDGET_MS,
      }), SETUP_BUDGET_MS);
      // The stream ends after the final status: this only reads it.
      await within('the release to end', bot.waitForRelease(features.id, FINAL, 30_000));
    } catch (error) {
      // Say what the services said, too.
      throw new Error(`${(error as Error).message}\n--- worker ---\n${worker.output.slice(-6_000)}\n--- api ---\n${api.output.slice(-3_000)}`, { cause: error });
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the release with complete events, per host with the first failure, and per task', async () => {
    const { body: release } = await get(`/api/v1/releases/${features.id}`, releaseBody);
    expect(release.status).toBe('failed');
    expect(release.events).toMatchObject({ state: 'complete', notKept: 0 });
    expect(release.events.nextSeq).toBe(release.events.stored + 1);
    const { body: hosts } = await get<ReleaseHosts>(`/api/v1/releases/${features.id}/hosts`, releaseHosts);
    const byHost = Object.fromEntries(hosts.hosts.map((h) => [h.host, h]));
    expect(byHost.gone).toMatchObject({ status: 'unreachable', firstFailure: { status: 'unreachable', task: 'write a file' } });
    expect(byHost.bad).toMatchObject({ status: 'failed', firstFailure: { status: 'failed', task: 'fails for real on one host', msg: 'failing bad' } });
    expect(byHost.good).toMatchObject({ status: 'changed', firstFailure: null, counts: { ignored: 1, rescued: 1, failed: 0 } });
    // The host table agrees with the recap.
    for (const [host, recap] of Object.entries(release.recap ?? {})) {
      expect(byHost[host]?.changedResults, host).toBe(recap.changed);
      expect(byHost[host]?.counts.skipped, host).toBe(recap.skipped);
      expect(byHost[host]?.counts.unreachable, host).toBe(recap.unreachable);
    }
    const { body: tasks } = await get<ReleaseTasks>(`/api/v1/releases/${features.id}/tasks`, releaseTasks);
    expect(tasks.tasks.map((t) => t.task)).toEqual(expect.arrayContaining(['write a file', 'loop over items', 'file written']));
    expect(tasks.tasks.find((t) => t.task === 'file written')?.handler).toBe(true);
    expect(tasks.tasks.find((t) => t.task === 'fails for real on one host')?.counts).toMatchObject({ failed: 1, skipped: 2 });
  });

  it('lists events by status, host and task with keyset paging, and shows one whole, masked', async () => {
    const { body: failed } = await get<AnsibleEventPage>(`/api/v1/releases/${features.id}/ansible-events?status=failed`, ansibleEventPage);
    expect(failed.items.map((e) => [e.host, e.task])).toEqual([['bad', 'fails for real on one host']]);
    const { body: one } = await get<AnsibleEventBody>(`/api/v1/releases/${features.id}/ansible-events/${failed.items[0].seq}`, ansibleEventBody);
    expect(one.event).toMatchObject({ result: { msg: 'failing bad' } });
    // Paging over one host's results: newest first, nothing twice, nothing skipped.
    const seen: number[] = [];
    let path = `/api/v1/releases/${features.id}/ansible-events?host=good&limit=3`;
    for (;;) {
      const { body: page } = await get<AnsibleEventPage>(path, ansibleEventPage);
      seen.push(...page.items.map((e) => e.seq));
      if (page.nextBefore === null) break;
      path = `/api/v1/releases/${features.id}/ansible-events?host=good&limit=3&before=${page.nextBefore}`;
    }
    const { body: all } = await get<AnsibleEventPage>(`/api/v1/releases/${features.id}/ansible-events?host=good&limit=500`, ansibleEventPage);
    expect(seen).toEqual(all.items.map((e) => e.seq));
    expect(new Set(seen).size).toBe(seen.length);
    // The secret reached stdout, a registered var and a diff: every answer was checked for it by get().
    const echoed = all.items.find((e) => e.task === 'echo a value' && e.type === 'host_result');
    const { body: echo } = await get<AnsibleEventBody>(`/api/v1/releases/${features.id}/ansible-events/${echoed!.seq}`, ansibleEventBody);
    expect(echo.event).toMatchObject({ result: { stdout: '********' } });
    const bad = await bot.request('GET', `/api/v1/releases/${features.id}/ansible-events?status=weird`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('status');
  });

  it('never stores the secret in the DB in clear', async () => {
    const dump = await dumpDatabase(env.databaseUrl, env.database);
    expect(dump).not.toContain(SECRET);
    const rows = await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM release_events WHERE release_id = ?', [features.id]);
    expect(Number(rows[0]?.n)).toBeGreaterThan(30);
  });

  it('streamed typed task and host-result events live, masked', () => {
    const tasks = live.events.filter((e) => e.event === 'task').map((e) => JSON.parse(e.data) as { task: string });
    const results = live.events.filter((e) => e.event === 'host-result').map((e) => JSON.parse(e.data) as { host: string; status: string });
    expect(tasks.map((t) => t.task)).toContain('write a file');
    expect(results).toContainEqual(expect.objectContaining({ host: 'gone', status: 'unreachable' }));
    expect(live.events.some((e) => e.event === 'events-complete')).toBe(true);
    expect(JSON.stringify(live.events)).not.toContain(SECRET);
  });

  it('CLI: release show --hosts prints the host table, --failed / --changed the results', async () => {
    const cliEnv = { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: botToken };
    const hosts = await startCli(['release', 'show', String(features.id), '--hosts'], cliEnv).done;
    expect(hosts.code, hosts.stderr).toBe(0);
    expect(hosts.stdout).toMatch(/^HOST\s+STATUS\s+OK\s+CHANGED\s+FAILED\s+UNREACHABLE/m);
    expect(hosts.stdout).toMatch(/^gone\s+unreachable\s+0\s+0\s+0\s+1/m);
    expect(hosts.stdout).toMatch(/^bad\s+failed\s.*fails for real on one host: failing bad$/m);
    expect(hosts.stdout).toContain('events complete');
    const failed = await startCli(['release', 'show', String(features.id), '--failed'], cliEnv).done;
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).slice(1, 3))).toEqual([['gone', 'unreachable'], ['bad', 'failed']]);
    const changed = await startCli(['release', 'show', String(features.id), '--changed'], cliEnv).done;
    expect(changed.stdout).toMatch(/^\d+\s+good\s+changed\s+write a file/m);
    expect(changed.stdout + hosts.stdout + failed.stdout).not.toContain(SECRET);
  });

  it('CLI: release create --wait ends with the host summary and exits non-zero when a host failed or was unreachable', async () => {
    const cliEnv = { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: botToken };
    const failing = await startCli(['release', 'create', 'features', '-e', `greeting=${SECRET}`, '--wait'], cliEnv).done;
    expect(failing.code).toBe(1);
    // On stderr, after the log: stdout stays exactly the log.
    expect(failing.stderr).toMatch(/^gone\s+unreachable/m);
    expect(failing.stderr).toMatch(/^events complete/m);
    expect(failing.stdout).not.toMatch(/^HOST\s+STATUS/m);
    expect(failing.stderr).toMatch(/2 host\(s\) failed or unreachable: (bad, gone|gone, bad)/);
    const passing = await startCli(['release', 'create', 'fifty', '-l', 'host01', '--wait'], cliEnv).done;
    expect(passing.code, passing.stderr).toBe(0);
    expect(passing.stderr).toMatch(/^host01\s+changed\s+14\s+4\s+0\s+0\s+2\s+0\s+0$/m);
  });

  const eventsStored = async (id: number) =>
    Number((await queryDb<{ n: number }>(env.databaseUrl, 'SELECT events_stored AS n FROM releases WHERE id = ?', [id]))[0]?.n);

  it('kill -9 of ansible mid-release: the release fails and its events say they are incomplete, from where', async () => {
    const release = await bot.createRelease({ template: 'fifty', inventory: 'fifty' });
    await waitFor('events to be stored', async () => (await eventsStored(release.id)) > 100, { timeoutMs: 120_000, intervalMs: 100 });
    const ansible = runProcesses(env.runDir).filter((p) => p.command.includes('ansible-playbook'));
    const main = ansible.find((p) => !ansible.some((parent) => parent.pid === p.ppid)); // not one of its forks
    expect(main).toBeDefined();
    process.kill(main!.pid, 'SIGKILL');
    await bot.waitForRelease(release.id, FINAL, 60_000);
    const { body: shown } = await get(`/api/v1/releases/${release.id}`, releaseBody);
    expect(shown.status).toBe('failed');
    expect(shown.events).toMatchObject({ state: 'incomplete', notKept: 0 });
    expect(shown.events.nextSeq).toBe(shown.events.stored + 1);
    const stats = await queryDb(env.databaseUrl, `SELECT seq FROM release_events WHERE release_id = ? AND type = 'stats'`, [release.id]);
    expect(stats).toEqual([]);
  });

  it('kill -9 of the worker mid-release: events stay in order with none twice, and say where they stop', async () => {
    const release = await bot.createRelease({ template: 'fifty', inventory: 'fifty' });
    await waitFor('events to be stored', async () => (await eventsStored(release.id)) > 100, { timeoutMs: 120_000, intervalMs: 100 });
    worker.signal('SIGKILL');
    await worker.exited;
    worker = await startWorker(env.env);
    await bot.waitForRelease(release.id, FINAL, 60_000);
    const { body: shown } = await get(`/api/v1/releases/${release.id}`, releaseBody);
    expect(shown.status).toBe('interrupted');
    expect(shown.events.state).toBe('incomplete');
    const rows = await queryDb<{ seq: number; emitted_at: Date }>(env.databaseUrl, 'SELECT seq, emitted_at FROM release_events WHERE release_id = ? ORDER BY seq', [release.id]);
    const seqs = rows.map((r) => Number(r.seq));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // from 1, no hole, none twice
    expect(shown.events.stored).toBe(seqs.length);
    expect(shown.events.nextSeq).toBe(seqs.length + 1);
    const times = rows.map((r) => new Date(r.emitted_at).getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const { body: hosts } = await get<ReleaseHosts>(`/api/v1/releases/${release.id}/hosts`, releaseHosts);
    expect(hosts.events.state).toBe('incomplete');
  });
});
