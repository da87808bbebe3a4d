import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ApiClient } from '../support/api-client.js';
import { startCli } from '../support/cli-runner.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 13 item 4: the catalog is reloaded without restarting anything, by `POST /api/v1/catalog/reload`
 * (admin) or SIGHUP to the API and to each worker. A broken edit changes nothing anywhere and every
 * problem is answered and logged; a good one is used by the next release; a running release keeps what it
 * started with and a queued one whose template is gone fails saying so. Real API, two real workers, real
 * ansible-playbook, against a catalog and playbooks the test writes and edits.
 */
const project = mkdtempSync(join(tmpdir(), 'slipway-reload-project-'));
const catalogFile = join(mkdtempSync(join(tmpdir(), 'slipway-reload-catalog-')), 'catalog.yml');
const holdMarker = join(project, 'hold-released');

function playbook(name: string, message: string, extraTasks: Record<string, unknown>[] = []): void {
  const play = [{ name, hosts: 'all', connection: 'local', gather_facts: false, tasks: [...extraTasks, { 'ansible.builtin.debug': { msg: message } }] }];
  writeFileSync(join(project, `${name}.yml`), stringify(play));
}

type Templates = Record<string, Record<string, unknown>>;

function writeCatalog(templates: Templates, extra: Record<string, unknown> = {}, inventories: Record<string, string> = {}): void {
  writeFileSync(catalogFile, stringify({ project, inventories: { local: 'inventories/local.ini', ...inventories }, templates, ...extra }));
}

// Timeouts far above the seconds these take: on a busy machine ansible's start-up alone can take a minute.
const greet = (version: number) => ({ playbook: `greet-v${version}.yml`, inventories: ['local'], timeout: 600, vars: {} });
const simple = (name: string) => ({ playbook: `${name}.yml`, inventories: ['local'], timeout: 600, vars: {} });
// Releases of `hold` share one lock, so a second one waits in the queue while the first runs.
const hold = { playbook: 'hold.yml', inventories: ['local'], timeout: 600, vars: {}, lock: 'hold' };
const ORIGINAL: Templates = { greet: greet(1), hold };

/** Every problem of a broken edit, each on a field of its own (the answer must name each one). */
const BROKEN_FIELDS = ['colour', 'inventories.ghost', 'templates.greet.playbook', 'templates.bad.vars.n.type'];
function writeBrokenCatalog(): void {
  writeCatalog(
    { greet: { ...greet(1), playbook: 'missing.yml' }, hold, bad: { ...simple('farewell'), vars: { n: { type: 'integr' } } } },
    { colour: 'blue' },
    { ghost: 'inventories/ghost.ini' },
  );
}

interface AuditJson {
  actor: string;
  action: string;
  targetType: string;
  targetId: number;
  details: Record<string, unknown>;
}

// Each test runs real releases one after another; on a machine shared with other suites those can take minutes.
describe('catalog reload: endpoint and SIGHUP, API and workers, without a restart', () => {
  let env: TestEnv;
  let api: RunningApi;
  let workers: ServiceProcess[];
  let admin: ApiClient;
  let deployer: ApiClient;
  let viewer: ApiClient;
  let tokens: { admin: string; deployer: string };

  const templateNames = async () => (await admin.request<Array<{ name: string }>>('GET', '/api/v1/templates')).body.map((t) => t.name).sort();
  const catalogAudit = async () =>
    (await admin.request<{ items: AuditJson[] }>('GET', '/api/v1/audit?action=catalog.reload&limit=100')).body.items;
  const reload = (client: ApiClient) => client.request<Record<string, unknown>>('POST', '/api/v1/catalog/reload');

  /** Runs a release to its end and returns its plain log. */
  async function runRelease(template: string): Promise<{ status: string; log: string; reason: string | null }> {
    const created = await deployer.createRelease({ template });
    const done = await deployer.waitForRelease(created.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 150_000);
    const log = (await deployer.request('GET', `/api/v1/releases/${created.id}/log?format=plain`)).text;
    expect(done.status, `release ${created.id} of ${template}: ${done.reason}\n${log}`).toBe('succeeded');
    return { status: done.status, reason: done.reason, log };
  }

  const countIn = (text: string, needle: string) => text.split(needle).length - 1;
  /** True once one JSON log line of the process says every one of `problems` (messages may hold quotes, escaped in JSON). */
  const loggedAll = (process: ServiceProcess, problems: string[]) =>
    process.jsonLines().some((line) => typeof line.msg === 'string' && problems.every((p) => (line.msg as string).includes(p)));

  beforeAll(async () => {
    mkdirSync(join(project, 'inventories'));
    copyFileSync(join(REPO_ROOT, 'examples/playbooks/ansible.cfg'), join(project, 'ansible.cfg'));
    copyFileSync(join(REPO_ROOT, 'examples/playbooks/inventories/local.ini'), join(project, 'inventories/local.ini'));
    for (const version of [1, 2, 3]) playbook(`greet-v${version}`, `greet version ${version}`);
    playbook('farewell', 'farewell one');
    playbook('third', 'third one');
    playbook('hold', 'hold done', [{ 'ansible.builtin.wait_for': { path: holdMarker, timeout: 500 } }]);
    writeCatalog(ORIGINAL);

    env = await createTestEnv('cat-reload');
    env.env.SLIPWAY_CATALOG = catalogFile;
    // Generous start-up deadlines: each process reads the catalog with ansible-inventory, slow on a busy machine.
    api = await startApi(env.env, 150_000);
    workers = await Promise.all([
      startWorker({ ...env.env, SLIPWAY_WORKER_ID: 'reload-w1' }, 150_000),
      startWorker({ ...env.env, SLIPWAY_WORKER_ID: 'reload-w2' }, 150_000),
    ]);
    admin = new ApiClient(api.url, env.bootstrapToken);
    tokens = { admin: env.bootstrapToken, deployer: await createToken(admin, 'reload-deployer', 'deployer') };
    deployer = new ApiClient(api.url, tokens.deployer);
    viewer = new ApiClient(api.url, await createToken(admin, 'reload-viewer', 'viewer'));
  }, 330_000);

  afterAll(async () => {
    writeFileSync(holdMarker, 'done');
    await Promise.all((workers ?? []).map((w) => w.stop()));
    await api?.stop();
    await env?.cleanup();
    rmSync(project, { recursive: true, force: true });
    rmSync(join(catalogFile, '..'), { recursive: true, force: true });
  });

  it('a viewer or deployer token gets 403 and nothing changes', async () => {
    writeCatalog({ ...ORIGINAL, farewell: simple('farewell') });
    for (const client of [viewer, deployer]) {
      const answer = await reload(client);
      expect(answer.status, answer.text).toBe(403);
    }
    expect(await templateNames()).toEqual(['greet', 'hold']);
    const refused = await deployer.request('POST', '/api/v1/releases', { template: 'farewell' });
    expect(refused.status).toBe(400);
    expect(await catalogAudit()).toEqual([]);
    const redis = new Redis(env.redisUrl);
    try {
      expect(await redis.get(`${env.queuePrefix}:catalog:generation`)).toBeNull();
    } finally {
      redis.disconnect();
    }
    for (const process of [api, ...workers]) expect(process.output).not.toContain('catalog reload');
    writeCatalog(ORIGINAL);
  });

  it('a broken edit keeps the old catalog everywhere; the answer and every log give each problem', { timeout: 420_000 }, async () => {
    writeBrokenCatalog();
    const answer = await reload(admin);
    expect(answer.status, answer.text).toBe(422);
    const body = answer.body as { result: string; problems: string[]; errors: Array<{ field: string; message: string }>; file: string };
    expect(body.result).toBe('refused');
    expect(body.file).toBe(catalogFile);
    for (const field of BROKEN_FIELDS) {
      expect(body.problems.filter((p) => p.startsWith(`${field}: `)), `one problem for ${field} in ${JSON.stringify(body.problems)}`).toHaveLength(1);
      expect(body.errors.filter((e) => e.field === field)).toHaveLength(1);
    }
    expect(body.errors.map((e) => e.message)).toEqual(body.problems);
    // The API's log names every problem; workers were not told anything.
    await waitFor('the API to log the refused reload', () => loggedAll(api, body.problems));
    for (const worker of workers) expect(worker.output).not.toContain('catalog reload');

    // SIGHUP to each worker with the broken file: each keeps its catalog and logs every problem.
    for (const worker of workers) worker.signal('SIGHUP');
    for (const worker of workers) {
      await waitFor(`${worker.name} to log every problem`, () => worker.output.includes('catalog reload (SIGHUP') && loggedAll(worker, body.problems));
      expect(worker.running).toBe(true);
    }
    expect(await templateNames()).toEqual(['greet', 'hold']);
    const release = await runRelease('greet');
    expect(release.status).toBe('succeeded');
    expect(release.log).toContain('greet version 1');

    const [entry] = await catalogAudit();
    expect(entry).toMatchObject({ actor: 'bootstrap', action: 'catalog.reload', targetType: 'catalog', details: { result: 'refused', problems: body.problems } });
  });

  it('a good edit through the endpoint is used by the next release, without restarting the API or a worker', { timeout: 420_000 }, async () => {
    writeCatalog({ greet: greet(2), hold, farewell: simple('farewell') });
    const pids = [api.pid, ...workers.map((w) => w.pid)];
    const answer = await reload(admin);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ result: 'applied', added: ['farewell'], removed: [], changed: ['greet'], workersNotified: 2 });
    expect(await templateNames()).toEqual(['farewell', 'greet', 'hold']);
    // At once: a worker that has not re-read its file yet does so before it starts the release.
    const changed = await runRelease('greet');
    expect(changed.status).toBe('succeeded');
    expect(changed.log).toContain('greet version 2');
    expect((await runRelease('farewell')).log).toContain('farewell one');
    for (const worker of workers) await waitFor(`${worker.name} to log the reload`, () => worker.output.includes('catalog reloaded (catalog generation 1 applied by the API'));
    expect([api.pid, ...workers.map((w) => w.pid)]).toEqual(pids);
    expect([api, ...workers].every((p) => p.running)).toBe(true);
    const [entry] = await catalogAudit();
    expect(entry).toMatchObject({ action: 'catalog.reload', details: { result: 'applied', added: ['farewell'], changed: ['greet'] } });
  });

  it('a running release keeps what it started with; a queued one whose template is gone fails, saying so', { timeout: 420_000 }, async () => {
    const running = await deployer.createRelease({ template: 'hold' });
    await deployer.waitForRelease(running.id, ['running']);
    const queued = await deployer.createRelease({ template: 'hold' });
    await waitFor('the second hold release to wait for the first', async () => (await deployer.getRelease(queued.id)).waitingReason === `waiting for release ${running.id}`);

    writeCatalog({ greet: greet(2), farewell: simple('farewell') });
    const answer = await reload(admin);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ removed: ['hold'] });
    const refused = await deployer.request('POST', '/api/v1/releases', { template: 'hold' });
    expect(refused.status).toBe(400);

    writeFileSync(holdMarker, 'go');
    const finished = await deployer.waitForRelease(running.id, ['succeeded', 'failed'], 150_000);
    expect(finished.status).toBe('succeeded');
    expect(await deployer.log(running.id)).toContain('hold done');
    const failed = await deployer.waitForRelease(queued.id, ['succeeded', 'failed'], 150_000);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toContain('template "hold" is not in the catalog any more');
    expect(failed.reason).toContain('nothing ran');
    expect(failed.logLines).toBe(0);
    expect(workers.every((w) => w.running)).toBe(true);
  });

  it('SIGHUP to each worker and then to the API applies a good edit, with no restart', { timeout: 420_000 }, async () => {
    writeCatalog({ greet: greet(3), farewell: simple('farewell'), third: simple('third') });
    const before = workers.map((w) => countIn(w.output, 'catalog reloaded (SIGHUP'));
    for (const worker of workers) worker.signal('SIGHUP');
    for (const [i, worker] of workers.entries()) {
      await waitFor(`${worker.name} to reload on SIGHUP`, () => countIn(worker.output, 'catalog reloaded (SIGHUP') > before[i]);
    }
    // The workers run the new playbook while the API still has its old catalog (SIGHUP to a worker is that worker's alone).
    const greeted = await runRelease('greet');
    expect(greeted.log).toContain('greet version 3');
    expect((await deployer.request('POST', '/api/v1/releases', { template: 'third' })).status).toBe(400);

    api.signal('SIGHUP');
    await waitFor('the API to reload on SIGHUP', async () => (await templateNames()).includes('third'));
    const third = await runRelease('third');
    expect(third.status).toBe('succeeded');
    expect(third.log).toContain('third one');
    expect([api, ...workers].every((p) => p.running)).toBe(true);
    await waitFor('the SIGHUP reload in the audit trail', async () => (await catalogAudit())[0]?.actor === 'SIGHUP');
    expect((await catalogAudit())[0]).toMatchObject({ actor: 'SIGHUP', details: { result: 'applied', added: ['third'], changed: ['greet'], trigger: 'SIGHUP' } });
  });

  it('slipway catalog reload prints every problem and exits 1, or what changed and exits 0', { timeout: 420_000 }, async () => {
    const cliEnv = (token: string) => ({ SLIPWAY_URL: api.url, SLIPWAY_TOKEN: token });
    writeBrokenCatalog();
    const broken = await startCli(['catalog', 'reload'], cliEnv(tokens.admin)).done;
    expect(broken.code, broken.stderr).toBe(1);
    for (const field of BROKEN_FIELDS) expect(broken.stderr).toMatch(new RegExp(`^ {2}- ${field.replaceAll('.', '\\.')}: `, 'm'));
    expect(broken.stderr).toContain('stays in force');

    const forbidden = await startCli(['catalog', 'reload'], cliEnv(tokens.deployer)).done;
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('403');

    writeCatalog({ greet: greet(1), farewell: simple('farewell'), third: simple('third') });
    const good = await startCli(['catalog', 'reload'], cliEnv(tokens.admin)).done;
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('changed  greet');
    expect(good.stdout).toContain('2 worker(s) told');
    expect((await runRelease('greet')).log).toContain('greet version 1');
  });
});
