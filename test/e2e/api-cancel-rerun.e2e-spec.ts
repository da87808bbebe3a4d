import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

interface AuditItem {
  action: string;
  actor: string;
  targetId: number;
  details: Record<string, unknown>;
}

describe('cancel and re-run', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let bot: ApiClient;
  let ops: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('api-cancel');
    api = await startApi(env.env);
    worker = await startWorker({ ...env.env, CANCEL_GRACE_MS: '5000' });
    admin = new ApiClient(api.url, env.bootstrapToken);
    bot = new ApiClient(api.url, await createToken(admin, 'release-bot', 'deployer'));
    ops = new ApiClient(api.url, await createToken(admin, 'ops', 'deployer'));
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  async function auditOf(id: number): Promise<AuditItem[]> {
    const response = await admin.request<{ items: AuditItem[] }>('GET', `/api/v1/audit?targetType=release&targetId=${id}`);
    return response.body.items;
  }

  /** The pid the worker logged for this release's ansible-playbook. */
  function ansiblePid(releaseId: number): number | undefined {
    const line = worker.jsonLines().find((l) => l.releaseId === releaseId && typeof l.ansiblePid === 'number');
    return line?.ansiblePid as number | undefined;
  }

  it('a queued release is cancelled at once and never starts', async () => {
    const runAt = new Date(Date.now() + 4_000);
    const created = await bot.createRelease({ template: 'hello', runAt: runAt.toISOString() });
    const response = await ops.request<ReleaseJson>('POST', `/api/v1/releases/${created.id}/cancel`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'cancelled', cancelRequestedBy: 'ops', startedAt: null });
    expect(response.body.reason).toContain('ops');

    // Past its start time (and a few worker polls later) it has still not run.
    await waitFor('runAt to pass', () => Date.now() > runAt.getTime() + 3_000, { timeoutMs: 15_000, intervalMs: 200 });
    const later = await bot.getRelease(created.id);
    expect(later).toMatchObject({ status: 'cancelled', startedAt: null, logLines: 0 });
    expect(worker.output).not.toContain(`release ${created.id} started`);
    const audit = await auditOf(created.id);
    expect(audit.map((e) => [e.action, e.actor])).toEqual([['release.cancel', 'ops'], ['release.create', 'release-bot']]);
    expect(audit[0].details).toMatchObject({ wasRunning: false });
  });

  it('a running release gets SIGINT, ends cancelled, and its ansible process is gone', async () => {
    const created = await bot.createRelease({ template: 'deploy-sim', extraVars: { seconds: 60 } });
    await waitFor('the release to print progress', async () => (await bot.log(created.id)).includes('progress 1/60'), { timeoutMs: 60_000, intervalMs: 200 });
    const pid = await waitFor('the ansible pid in the worker log', () => ansiblePid(created.id), { timeoutMs: 10_000 });
    expect(processExists(pid)).toBe(true);

    const response = await ops.request<ReleaseJson>('POST', `/api/v1/releases/${created.id}/cancel`);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: 'running', cancelRequestedBy: 'ops' });
    const done = await bot.waitForRelease(created.id, ['succeeded', 'failed', 'cancelled', 'interrupted'], 60_000);
    expect(done.status).toBe('cancelled');
    expect(done.reason).toContain('ops');
    expect(await bot.log(created.id)).not.toContain('progress 60/60');
    await waitFor(`ansible-playbook ${pid} to be gone`, () => !processExists(pid), { timeoutMs: 10_000 });
    const audit = await auditOf(created.id);
    expect(audit[0]).toMatchObject({ action: 'release.cancel', actor: 'ops', details: { wasRunning: true } });
  });

  it('cancelling a finished release → 409; unknown → 404; not a number → 400', async () => {
    const created = await bot.createRelease({ template: 'hello' });
    await bot.waitForRelease(created.id, ['succeeded', 'failed']);
    const finished = await ops.request<{ message: string }>('POST', `/api/v1/releases/${created.id}/cancel`);
    expect(finished.status).toBe(409);
    expect(finished.body.message).toContain('succeeded');
    expect((await bot.getRelease(created.id)).cancelRequestedBy).toBeNull();
    expect((await auditOf(created.id)).map((e) => e.action)).toEqual(['release.create']);
    const unknown = await ops.request<{ message: string }>('POST', '/api/v1/releases/999999/cancel');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('999999');
    const notANumber = await ops.request<{ message: string }>('POST', '/api/v1/releases/abc/cancel');
    expect(notANumber.status).toBe(400);
    expect(notANumber.body.message).toContain('id');
  });

  it('re-run creates a new release with the same parameters, linked to the original and audited', async () => {
    const original = await bot.createRelease({ template: 'hello', extraVars: { greeting: 'once more' }, limit: 'localhost', checkMode: false });
    const first = await bot.waitForRelease(original.id, ['succeeded', 'failed']);
    expect(first.status).toBe('succeeded');

    const response = await ops.request<ReleaseJson>('POST', `/api/v1/releases/${original.id}/rerun`);
    expect(response.status).toBe(201);
    const rerun = response.body;
    expect(rerun.id).not.toBe(original.id);
    expect(rerun).toMatchObject({
      rerunOf: original.id,
      requestedBy: 'ops',
      template: 'hello',
      inventory: original.inventory,
      extraVars: original.extraVars,
      limit: 'localhost',
      checkMode: false,
      status: 'queued',
    });
    const done = await bot.waitForRelease(rerun.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(await bot.log(rerun.id)).toContain('greeting=once more');
    const audit = await auditOf(rerun.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'release.rerun', actor: 'ops', details: { rerunOf: original.id } });
    expect((await ops.request('POST', '/api/v1/releases/999999/rerun')).status).toBe(404);
  });
});
