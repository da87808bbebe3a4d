import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnsibleEventBody, type AnsibleEventPage, type ReleaseHosts, ansibleEventBody, ansibleEventPage, releaseHosts } from '@slipway/contracts';
import { ApiClient } from '../support/api-client.js';
import { startCli } from '../support/cli-runner.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

// Issue 21 item 7: check mode with diff is a preview, for templates whose catalog entry allows it. The
// real worker runs the real ansible-playbook --check --diff; the secret reaches the diff of "write a file".
const SECRET = `pv-${randomBytes(6).toString('hex')}`;

describe('check mode with diff: a preview, only where the catalog allows it', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let dir: string;
  let bot: ApiClient;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv('check-mode');
    dir = mkdtempSync(join(tmpdir(), 'slipway-check-mode-'));
    env.env.SLIPWAY_CATALOG = join(dir, 'catalog.yml');
    const template = (name: string, checkMode: boolean) => [
      `  ${name}:`,
      '    playbook: features.yml',
      '    inventories: [features]',
      '    vars:',
      '      greeting: { type: string, secret: true, required: true }',
      ...(checkMode ? ['    checkMode: true'] : []),
    ];
    writeFileSync(
      env.env.SLIPWAY_CATALOG,
      [`project: ${resolve(REPO_ROOT, 'test/fixtures/events')}`, 'inventories:', '  features: features.ini', 'templates:', ...template('preview', true), ...template('plain', false), ''].join('\n'),
    );
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    const token = await createToken(new ApiClient(api.url, env.bootstrapToken), 'preview-bot', 'deployer');
    bot = new ApiClient(api.url, token);
    cliEnv = { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: token };
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the templates list says which templates allow it', async () => {
    const { body } = await bot.request<{ name: string; checkMode: boolean }[]>('GET', '/api/v1/templates');
    expect(Object.fromEntries(body.map((t) => [t.name, t.checkMode]))).toEqual({ preview: true, plain: false });
  });

  it('a check-mode release of a template without checkMode: true is a 400 naming checkMode, and creates nothing', async () => {
    const count = async () => (await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM releases'))[0].n;
    const audits = async () => (await queryDb<{ n: number }>(env.databaseUrl, "SELECT COUNT(*) AS n FROM audit_entries WHERE action LIKE 'release.%'"))[0].n;
    const [releasesBefore, auditsBefore] = [await count(), await audits()];
    const refused = await bot.request<{ errors: { field: string; message: string }[] }>('POST', '/api/v1/releases', {
      template: 'plain',
      extraVars: { greeting: SECRET },
      checkMode: true,
    });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'checkMode', message: expect.stringContaining('does not allow check mode') }]);
    expect(refused.text).not.toContain(SECRET);
    // The CLI's --check gets the same answer.
    const cli = await startCli(['release', 'create', 'plain', '-e', `greeting=${SECRET}`, '--check'], cliEnv).done;
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('checkMode');
    expect([await count(), await audits()]).toEqual([releasesBefore, auditsBefore]);
  });

  it('a check-mode release of an allowed template says "would change" per host and task, with the diffs, masked', async () => {
    const created = await startCli(['release', 'create', 'preview', '-l', 'good', '-e', `greeting=${SECRET}`, '--check', '--wait'], cliEnv).done;
    expect(created.code, `${created.stdout}\n${created.stderr}\n--- worker ---\n${worker.output.slice(-4_000)}`).toBe(0);
    const id = Number(/release (\d+) created/.exec(created.stderr)?.[1]);
    expect(created.stdout + created.stderr).not.toContain(SECRET);
    const release = await bot.getRelease(id);
    expect(release).toMatchObject({ status: 'succeeded', checkMode: true, events: { state: 'complete', notKept: 0 } });

    const hosts = releaseHosts.parse((await bot.request<ReleaseHosts>('GET', `/api/v1/releases/${id}/hosts`)).body);
    expect(hosts.hosts.map((h) => [h.host, h.status])).toEqual([['good', 'changed']]);
    const page = await bot.request<AnsibleEventPage>('GET', `/api/v1/releases/${id}/ansible-events?status=changed`);
    const changed = ansibleEventPage.parse(page.body).items;
    expect(changed.map((e) => [e.host, e.task, e.changed])).toEqual(expect.arrayContaining([['good', 'write a file', true]]));
    const write = changed.find((e) => e.task === 'write a file')!;
    const one = await bot.request<AnsibleEventBody>('GET', `/api/v1/releases/${id}/ansible-events/${write.seq}`);
    expect(one.text).not.toContain(SECRET);
    const diff = ansibleEventBody.parse(one.body).event.diff as { before: string; after: string }[] | { before: string; after: string };
    const entries = Array.isArray(diff) ? diff : [diff];
    expect(entries).toContainEqual(expect.objectContaining({ after: 'hello ********\n' }));

    const shown = await startCli(['release', 'show', String(id), '--diff'], cliEnv).done;
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^### good · write a file \(would change, seq \d+\)$/m);
    expect(shown.stdout).toMatch(/^\+hello \*{8}$/m);
    expect(shown.stdout).toMatch(/^1 result with a diff/m);
    expect(shown.stdout).not.toContain(SECRET);
  });

  it('without check mode its results read "changed", and without --diff ansible gives no diffs', async () => {
    const real = await bot.createRelease({ template: 'preview', inventory: 'features', limit: 'good', extraVars: { greeting: SECRET } });
    const done = await bot.waitForRelease(real.id, ['succeeded', 'failed'], 90_000);
    expect(done).toMatchObject({ status: 'succeeded', checkMode: false });
    const shown = await startCli(['release', 'show', String(real.id), '--diff'], cliEnv).done;
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.trim()).toMatch(/^0 results with a diff; [1-9]\d* more changed without one$/);
  });
});
