import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { approvalsList, releaseBody } from '@slipway/contracts';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { TestGitRepo } from '../support/git-repo.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { startCli } from '../support/cli-runner.js';
import { waitFor } from '../support/wait-for.js';

/** Short, so an expiry pass runs within a second of a request expiring. */
const SCHEDULE_POLL_MS = '300';
const FINAL = ['succeeded', 'failed', 'cancelled', 'interrupted', 'rejected', 'expired'];

type Approval = { required: number; approvedBy: string[]; expiresAt: string; previewReleaseId: number | null; decisions: { by: string; decision: string; comment: string | null }[] };
type Release = ReleaseJson & { approval: Approval | null; commitSha: string | null; checkMode: boolean; previewOf: number | null; lockKey: string };

/** A git project (so "the same commit" means something), templates gated by approval and one sharing their lock. */
function catalogFor(url: string, gatedApprovers = 2) {
  const hello = { playbook: 'hello.yml', inventories: ['local'], timeout: 120, vars: { greeting: { type: 'string', default: 'hi' } } };
  return {
    project: { git: url, ref: 'main', path: 'ansible' },
    inventories: { local: 'inventories/local.ini' },
    templates: {
      gated: { ...hello, lock: 'site', approval: { approvers: gatedApprovers, expiresAfter: 600 } },
      brief: { ...hello, approval: { expiresAfter: 2 } },
      previewed: { ...hello, checkMode: true, approval: { preview: true } },
      other: { ...hello, lock: 'site' },
    },
  };
}

/*
 * Issue 22 item 2 with the real API, worker, MariaDB, Redis, git and ansible-playbook: a release of a
 * template that requires approval waits (holding no lock), the requester cannot approve it, two distinct
 * approvers queue it, one rejection ends it, an unanswered one expires, a preview runs the same commit.
 */
describe('approvals (real API + worker + ansible)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let repo: TestGitRepo;
  let dir: string;
  let admin: ApiClient;
  let alice: ApiClient; // requests (an approver too, so self-approval is what refuses her)
  let bob: ApiClient;
  let carol: ApiClient;
  let dave: ApiClient; // a deployer: may request, may not approve
  const secrets: Record<string, string> = {};
  const cliAs = (who: string, args: string[]) => startCli(args, { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: secrets[who] });

  const get = async (client: ApiClient, id: number) => releaseBody.parse((await client.request('GET', `/api/v1/releases/${id}`)).body) as unknown as Release;
  const decide = (client: ApiClient, id: number, what: 'approve' | 'reject', body: Record<string, unknown> = {}) =>
    client.request<Release & { message?: string; errors?: { field: string }[] }>('POST', `/api/v1/releases/${id}/${what}`, body);
  const finished = (id: number, timeoutMs = 120_000) =>
    admin.waitForRelease(id, FINAL, timeoutMs).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n--- worker output ---\n${worker.output.slice(-4000)}`);
    });

  beforeAll(async () => {
    env = await createTestEnv('approvals');
    repo = TestGitRepo.create('approvals');
    dir = mkdtempSync(join(tmpdir(), 'slipway-approvals-e2e-'));
    env.env.SLIPWAY_CATALOG = join(dir, 'catalog.yml');
    writeFileSync(env.env.SLIPWAY_CATALOG, stringify(catalogFor(repo.url)));
    const processEnv = { ...env.env, SCHEDULE_POLL_MS };
    api = await startApi({ ...processEnv, SLIPWAY_GIT_CACHE_DIR: join(dir, 'cache-api') }, 120_000);
    worker = await startWorker({ ...processEnv, SLIPWAY_GIT_CACHE_DIR: join(dir, 'cache-worker') }, 120_000);
    admin = new ApiClient(api.url, env.bootstrapToken);
    for (const [name, role] of [['alice', 'approver'], ['bob', 'approver'], ['carol', 'admin'], ['dave', 'deployer']] as const) secrets[name] = await createToken(admin, name, role);
    alice = new ApiClient(api.url, secrets.alice);
    bob = new ApiClient(api.url, secrets.bob);
    carol = new ApiClient(api.url, secrets.carol);
    dave = new ApiClient(api.url, secrets.dave);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    repo?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('waits holding no lock (a release of its lock key runs meanwhile); the requester cannot approve; two distinct approvers queue it and it runs', async () => {
    const request = (await alice.createRelease({ template: 'gated', extraVars: { greeting: 'gated' } })) as Release;
    expect(request.status).toBe('awaiting-approval');
    expect(request.approval).toMatchObject({ required: 2, approvedBy: [], previewReleaseId: null });
    expect(request.lockKey).toBe('site');

    // Its lock key is free: another release of it starts and finishes while it waits.
    const other = await dave.createRelease({ template: 'other' });
    expect((await finished(other.id)).status).toBe('succeeded');
    expect((await get(admin, request.id)).status).toBe('awaiting-approval');

    const self = await decide(alice, request.id, 'approve', { comment: 'mine' });
    expect(self.status, self.text).toBe(403);
    expect(self.body.message).toMatch(/alice requested release \d+ and may not approve it/);
    expect((await decide(dave, request.id, 'approve')).status).toBe(403); // a deployer is not an approver

    const first = await decide(bob, request.id, 'approve', { comment: 'read the diff' });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ status: 'awaiting-approval', approval: { approvedBy: ['bob'] } });
    const again = await decide(bob, request.id, 'approve');
    expect(again.body).toMatchObject({ status: 'awaiting-approval', approval: { approvedBy: ['bob'] } });

    // Waiting for my approval: carol's list has it, bob (approved) and alice (requester) do not.
    const listOf = async (client: ApiClient) => approvalsList.parse((await client.request('GET', '/api/v1/approvals?waitingFor=me')).body).items.map((i) => i.release.id);
    expect(await listOf(carol)).toContain(request.id);
    expect(await listOf(bob)).not.toContain(request.id);
    expect(await listOf(alice)).not.toContain(request.id);
    expect((await alice.request('GET', '/api/v1/approvals?waitingFor=someone')).status).toBe(400);

    const second = await decide(carol, request.id, 'approve');
    expect(second.body.status, second.text).toBe('queued');
    const done = await finished(request.id);
    expect(done.status).toBe('succeeded');
    expect(await admin.log(request.id)).toContain('greeting=gated');

    const audit = await queryDb<{ action: string; actor: string }>(env.databaseUrl, "SELECT action, actor FROM audit_entries WHERE target_type = 'release' AND target_id = ? ORDER BY id", [request.id]);
    expect(audit).toEqual([
      { action: 'release.create', actor: 'alice' },
      { action: 'release.approve', actor: 'bob' },
      { action: 'release.approve', actor: 'carol' },
    ]);
  }, 300_000);

  it('one rejection (with its comment, which is required) ends it rejected; it never runs', async () => {
    const request = await alice.createRelease({ template: 'gated' });
    const bare = await decide(bob, request.id, 'reject', {});
    expect(bare.status).toBe(400);
    expect(bare.body.errors?.map((e) => e.field)).toEqual(['comment']);
    expect((await decide(bob, request.id, 'reject', { comment: 'x'.repeat(2001) })).status).toBe(400);
    expect((await decide(bob, request.id, 'approve', { note: 'typo' })).status).toBe(400);
    expect((await get(admin, request.id)).approval?.decisions).toEqual([]);
    const rejected = await decide(bob, request.id, 'reject', { comment: 'not during the sale' });
    expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'rejected by bob: not during the sale' });
    expect((await decide(carol, request.id, 'approve')).status).toBe(409);
    expect((await get(admin, request.id)).startedAt).toBeNull();
  });

  it('an unanswered request expires, and an expired one takes no approval', async () => {
    const request = await alice.createRelease({ template: 'brief' });
    const expired = await finished(request.id, 30_000);
    expect(expired.status).toBe('expired');
    expect(expired.reason).toMatch(/^approval request expired at .* with 0 of 1 approval$/);
    expect((await decide(bob, request.id, 'approve')).status).toBe(409);
    const audit = await queryDb<{ actor: string }>(env.databaseUrl, "SELECT actor FROM audit_entries WHERE target_id = ? AND action = 'release.expire'", [request.id]);
    expect(audit).toEqual([{ actor: 'approval expiry' }]);
  });

  it('preview: a check-mode release of the same commit runs first; the approved run uses that commit even after main moved on', async () => {
    const request = (await alice.createRelease({ template: 'previewed', extraVars: { greeting: 'previewed' } })) as Release;
    expect(request.status).toBe('awaiting-approval');
    const previewId = request.approval!.previewReleaseId!;
    expect(previewId).toEqual(expect.any(Number));
    const preview = await get(admin, previewId);
    expect(preview).toMatchObject({ checkMode: true, previewOf: request.id, commitSha: request.commitSha });
    expect(request.commitSha).toMatch(/^[0-9a-f]{40}$/);
    expect((await finished(previewId)).status).toBe('succeeded');
    // Its per-host results are there for the approvers.
    const hosts = await bob.request<{ items?: unknown[] }>('GET', `/api/v1/releases/${previewId}/hosts`);
    expect(hosts.status).toBe(200);

    const moved = repo.commit('main moves on', { 'ansible/README.md': 'newer\n' });
    repo.push('main');
    expect(moved).not.toBe(request.commitSha);
    expect((await decide(bob, request.id, 'approve')).body.status).toBe('queued');
    const done = await finished(request.id);
    expect(done.status).toBe('succeeded');
    expect((await get(admin, request.id)).commitSha).toBe(request.commitSha);
  }, 300_000);

  it('cancel works on a release awaiting approval', async () => {
    const request = await alice.createRelease({ template: 'gated' });
    const cancelled = await alice.request<Release>('POST', `/api/v1/releases/${request.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await decide(bob, request.id, 'approve')).status).toBe(409);
  });

  it('CLI: create --wait says what it waits for and from whom and keeps waiting; approve and reject; exit 0 once run, 4 once rejected', async () => {
    const waiting = cliAs('dave', ['release', 'create', 'gated', '-e', 'greeting=from-cli', '--wait']);
    const said = await waitFor('--wait to say what it waits for', async () => /release (\d+) awaits approval: (.*)/.exec(waiting.stderr) ?? undefined, { timeoutMs: 30_000 });
    const id = Number(said[1]);
    expect(said[2]).toMatch(/^0 of 2 approvals; may approve: alice, bob, bootstrap, carol \(not dave, who requested it\); expires at /);
    const self = await cliAs('dave', ['release', 'approve', String(id)]).done;
    expect(self.code).toBe(3);
    expect(self.stderr).toMatch(/403|may not/);
    const first = await cliAs('bob', ['release', 'approve', String(id), '-m', 'ok by me']).done;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`release ${id} approved by you: gated on local awaits approval: 1 of 2 approvals \\(from bob\\)`));
    const listed = await cliAs('carol', ['release', 'approvals']).done;
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+gated\\s+local\\s+dave\\s+1/2`, 'm'));
    expect((await cliAs('carol', ['release', 'approve', String(id)]).done).code).toBe(0);
    const done = await waiting.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('greeting=from-cli');

    const toReject = cliAs('dave', ['release', 'create', 'gated', '--wait']);
    const rejectId = Number((await waitFor('the second --wait', async () => /release (\d+) awaits approval/.exec(toReject.stderr) ?? undefined, { timeoutMs: 30_000 }))[1]);
    expect((await cliAs('bob', ['release', 'reject', String(rejectId)]).done).code).not.toBe(0); // --comment is required
    expect((await cliAs('bob', ['release', 'reject', String(rejectId), '-m', 'wrong week']).done).code).toBe(0);
    const rejected = await toReject.done;
    expect(rejected.code, rejected.stderr).toBe(4);
    expect(rejected.stderr).toContain('rejected: rejected by bob: wrong week');
  }, 180_000);

  it('more approvers than could approve: a catalog reload is a 400 naming the field and changes nothing; so is a launch', async () => {
    writeFileSync(env.env.SLIPWAY_CATALOG, stringify(catalogFor(repo.url, 9)));
    const reload = await carol.request<{ errors: { field: string; message: string }[] }>('POST', '/api/v1/catalog/reload');
    expect(reload.status, reload.text).toBe(400);
    expect(reload.body.errors.map((e) => e.field)).toEqual(['templates.gated.approval.approvers']);
    expect(reload.body.errors[0].message).toMatch(/requires 9 distinct approvers but only 4 tokens could approve/);
    writeFileSync(env.env.SLIPWAY_CATALOG, stringify(catalogFor(repo.url)));
    // Still the old rule (2 approvers): alice's request waits for 2.
    const request = (await alice.createRelease({ template: 'gated' })) as Release;
    expect(request.approval?.required).toBe(2);
    await alice.request('POST', `/api/v1/releases/${request.id}/cancel`);

    // Revoke approvers until only alice (the requester) and the bootstrap admin could approve: a 2-approver launch by alice is refused.
    const tokens = (await admin.request<{ id: number; name: string }[]>('GET', '/api/v1/tokens')).body;
    for (const name of ['bob', 'carol']) {
      const token = tokens.find((t) => t.name === name)!;
      expect((await admin.request('DELETE', `/api/v1/tokens/${token.id}`)).status).toBeLessThan(300);
    }
    const [before] = await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM releases');
    const refused = await alice.request<{ errors: { field: string }[] }>('POST', '/api/v1/releases', { template: 'gated' });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.errors.map((e) => e.field)).toEqual(['templates.gated.approval.approvers']);
    const [after] = await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM releases');
    expect(Number(after.n)).toBe(Number(before.n));
  });
});
