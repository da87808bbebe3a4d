import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, descendantsOf, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, releaseIds } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';
import { startCli as startCliIn } from '../support/cli-runner.js';

/** The CLI as a CI job runs it, in UTC so the table's local times are known. */
const startCli = (args: string[], env: Record<string, string>) => startCliIn(args, { TZ: 'UTC', ...env });
const cli = (args: string[], env: Record<string, string>) => startCli(args, env).done;
const createdId = (stderr: string) => Number(/release (\d+) created/.exec(stderr)?.[1]);
const ansibleUnder = (worker: ServiceProcess) => descendantsOf(worker.pid).filter((p) => p.command.includes('ansible'));

describe('slipway CLI: tables, one final line, Ctrl-C, templates, audit', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let admin: ApiClient;
  let ci: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv('cli-usability');
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    admin = new ApiClient(api.url, env.bootstrapToken);
    ci = { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: await createToken(admin, 'ci-bot', 'deployer') };
  });
  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  it('--wait prints the final status once', async () => {
    const run = await cli(['release', 'create', 'hello', '--wait'], ci);
    expect(run.code, run.stderr).toBe(0);
    const id = createdId(run.stderr);
    expect(run.stderr.split('\n').filter((line) => line.includes(`release ${id} succeeded`)), run.stderr).toHaveLength(1);
  });

  it('release list is a table with a header, local times, durations and how to page on; --json is the API page', async () => {
    await cli(['release', 'create', 'fail', '--wait'], ci);
    const run = await cli(['release', 'list', '--limit', '1'], ci);
    expect(run.code, run.stderr).toBe(0);
    const [header, row, summary, ...rest] = run.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(header).toMatch(/^ID\s+STATUS\s+TEMPLATE\s+INVENTORY\s+REQUESTED BY\s+STARTED\s+DURATION$/);
    // Aligned: each value starts where its column's title does.
    for (const [title, value] of [['STATUS', 'failed'], ['TEMPLATE', 'fail'], ['INVENTORY', 'local'], ['REQUESTED BY', 'ci-bot']] as const) {
      expect(row.indexOf(` ${value} `) + 1, `${title} in\n${header}\n${row}`).toBe(header.indexOf(title));
    }
    expect(row).toMatch(/ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  +\d+\.\ds$/); // human time (TZ=UTC here), "2.3s"
    expect(row).not.toMatch(/T\d\d:\d\d:\d\d/);
    const before = /^1 shown \(older: --before (\d+)\)$/.exec(summary)?.[1];
    expect(before, summary).toBeDefined();
    // The printed --before gives the next page: the older release, and nothing older than it.
    const older = await cli(['release', 'list', '--limit', '1', '--before', before!], ci);
    expect(older.code, older.stderr).toBe(0);
    const olderLines = older.stdout.trimEnd().split('\n');
    expect(olderLines[1]).toMatch(/ succeeded +hello /);
    expect(olderLines[2]).toBe('1 shown (the oldest)');

    const json = JSON.parse((await cli(['--json', 'release', 'list'], ci)).stdout) as { items: { id: number }[]; more: boolean; nextBefore: number | null };
    expect(json).toMatchObject({ more: false, nextBefore: null });
    expect(json.items).toHaveLength(2);
  });

  it('an empty --idempotency-key (an unset $CI_PIPELINE_ID) is an error, exit 3, and starts nothing', async () => {
    const before = await releaseIds(env.databaseUrl);
    for (const args of [['--idempotency-key', ''], ['--idempotency-key=', '--wait'], ['-k', ' ']]) {
      const run = await cli(['release', 'create', 'hello', ...args], ci);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toContain('idempotency-key');
      expect(run.stderr).toContain('must not be empty');
    }
    expect(await releaseIds(env.databaseUrl)).toEqual(before);
  });

  it('without SLIPWAY_TOKEN the hint names the bootstrap token', async () => {
    const run = await cli(['release', 'list'], { SLIPWAY_URL: api.url });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('SLIPWAY_TOKEN is not set');
    expect(run.stderr).toContain('SLIPWAY_BOOTSTRAP_TOKEN');
  });

  it('Ctrl-C during --wait cancels the release, waits for it to stop and exits 2', async () => {
    const run = startCli(['release', 'create', 'deploy-sim', '-e', 'seconds=60', '--wait'], ci);
    await waitFor('progress', () => run.stdout.includes('progress 1/60'), { timeoutMs: 60_000 });
    const id = createdId(run.stderr);
    expect(ansibleUnder(worker).length).toBeGreaterThan(0);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`release ${id} cancelled`);
    expect((await admin.getRelease(id)).status).toBe('cancelled');
    expect(result.stdout).not.toContain('progress 60/60');
    await waitFor('ansible to be gone', () => ansibleUnder(worker).length === 0, { timeoutMs: 10_000 });
  });

  it('a second Ctrl-C stops waiting at once (exit 2) and the release still ends cancelled', async () => {
    const run = startCli(['release', 'create', 'deploy-sim', '-e', 'seconds=60', '--wait'], ci);
    await waitFor('progress', () => run.stdout.includes('progress 1/60'), { timeoutMs: 60_000 });
    const id = createdId(run.stderr);
    // The worker is paused so the cancel cannot finish before the second Ctrl-C (a SIGINTed deploy-sim
    // ends within a second); ansible runs on in its own process group, and the pause is far below the TTL.
    worker.signal('SIGSTOP');
    let result: Awaited<typeof run.done>;
    try {
      run.child.kill('SIGINT');
      await waitFor('the cancel to be asked', async () => (await admin.getRelease(id)).cancelRequestedBy !== null, { timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 1_100)); // past the window in which one Ctrl-C may arrive twice
      run.child.kill('SIGINT');
      result = await run.done;
    } finally {
      worker.signal('SIGCONT');
    }
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('stopped waiting');
    await waitFor('the release to end cancelled', async () => (await admin.getRelease(id)).status === 'cancelled', { timeoutMs: 60_000 });
  });

  it('template list and show', async () => {
    const list = await cli(['template', 'list'], ci);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^TEMPLATE\s+INVENTORIES\s+DESCRIPTION$/);
    expect(list.stdout).toMatch(/^deploy-web\s+staging,prod\s/m);
    const show = await cli(['template', 'show', 'deploy-web'], ci);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('inventories  staging, prod (default staging)');
    expect(show.stdout).toContain('approval     1 approver, not the requester on prod; expires after 86400 s');
    expect(show.stdout).toMatch(/^version\s/m);
    expect(show.stdout).toMatch(/^canary\s/m);
    const unknown = await cli(['template', 'show', 'no-such'], ci);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('unknown template "no-such"');
  });

  it('audit lists who did what, filtered the way the API filters', async () => {
    const run = await cli(['audit', '--action', 'release.cancel', '--actor', 'ci-bot'], ci);
    expect(run.code, run.stderr).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^AT\s+ACTOR\s+ACTION\s+TARGET\s+DETAILS$/);
    const entries = rows.slice(0, -1);
    expect(entries.length).toBe(2);
    for (const entry of entries) expect(entry).toMatch(/ ci-bot\s+release\.cancel\s+release \d+/);
    expect(rows.at(-1)).toBe('2 shown');
    const bad = await cli(['audit', '--target-type', 'planet'], ci);
    expect(bad.code).toBe(3);
    const badAction = await cli(['audit', '--action', 'nope'], ci);
    expect(badAction.code).toBe(3);
    expect(badAction.stderr).toContain('action');
  });
});
