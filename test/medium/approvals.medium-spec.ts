import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog, CatalogHolder, CatalogTemplate } from '@slipway/ansible';
import type { SlipwayConfig } from '@slipway/config';
import { AuditWriter } from '@slipway/db';
import {
  ApprovalStore, FreezeStore, IdempotencyStore, IdempotentLaunch, ReleaseApprovals, ReleaseCommits, ReleaseLauncher, ReleaseStore,
} from '@slipway/releases';
import { type MediumDb, ReplyLosingUnitOfWork, createMediumDb } from './support/medium-db.js';
import { helloCatalog, helloTemplate } from '../support/launcher-catalog.js';

/*
 * Approvals on real MariaDB (issue 22 item 2): the launcher creates the release awaiting approval (no job,
 * no lock), ReleaseApprovals records decisions under the row's lock. Only the job queue is a recording port.
 */
const approvalTemplate = (name: string, approval: Partial<NonNullable<CatalogTemplate['approval']>>) =>
  ({
    ...helloTemplate,
    name,
    checkMode: true,
    approval: { approvers: 1, allowSelfApproval: false, expiresAfterSeconds: 86_400, preview: false, inventories: ['local'], ...approval },
  }) as CatalogTemplate;
const catalog = {
  ...helloCatalog,
  templates: {
    hello: helloTemplate,
    gated: approvalTemplate('gated', {}),
    pair: approvalTemplate('pair', { approvers: 2 }),
    self: approvalTemplate('self', { allowSelfApproval: true }),
    previewed: approvalTemplate('previewed', { preview: true }),
    brief: approvalTemplate('brief', { expiresAfterSeconds: 1 }),
  },
} as unknown as Catalog;
const config = { secretKeys: { current: null, previous: [] }, git: null } as unknown as SlipwayConfig;

let db: MediumDb;
let launcher: ReleaseLauncher;
let approvals: ReleaseApprovals;
let enqueued: number[] = [];

async function tokens(...rows: [name: string, role: string, revoked?: boolean][]) {
  await db.truncate('api_tokens');
  for (const [name, role, revoked] of rows) {
    await db.query(
      `INSERT INTO api_tokens (name, role, token_hash, created_at, created_by, revoked_at) VALUES (?, ?, SHA2(?, 256), NOW(3), 'test', ${revoked ? 'NOW(3)' : 'NULL'})`,
      [name, role, `${name}-${Math.random()}`],
    );
  }
}

async function request(template: string, by = 'alice') {
  const result = await launcher.launch({ template }, { kind: 'token', name: by });
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.refusal)}`);
  return result.release;
}

const rowOf = async (id: number) =>
  (await db.query<{ status: string; reason: string | null; approval: unknown; run_at: Date | null }>('SELECT status, reason, approval, run_at FROM releases WHERE id = ?', [id]))[0];

beforeAll(async () => {
  db = await createMediumDb('approvals');
  const store = new ReleaseStore(db.uow);
  const audit = new AuditWriter(db.uow);
  const approvalStore = new ApprovalStore(db.uow, audit, {});
  const queue = { enqueue: async (id: number) => void enqueued.push(id) };
  launcher = new ReleaseLauncher(
    store, queue, { current: catalog } as CatalogHolder, new ReleaseCommits(config), new IdempotentLaunch(new IdempotencyStore(db.uow), store), audit, config,
    new FreezeStore(db.uow), approvalStore,
  );
  approvals = new ReleaseApprovals(approvalStore, launcher, store);
});
afterAll(() => db?.drop());
beforeEach(async () => {
  enqueued = [];
  await tokens(['alice', 'approver'], ['bob', 'approver'], ['carol', 'admin'], ['dave', 'deployer'], ['erin', 'approver', true]);
});

describe('a release of a template that requires approval (medium: real MariaDB)', () => {
  it('waits awaiting-approval with no job, its audit entry and its approval.requested event; a template without approval is queued as before', async () => {
    await db.query(`INSERT INTO webhook_endpoints (url, events, format, secret_sealed, enabled, created_at, created_by)
      VALUES ('http://127.0.0.1:9/x', '["approval.requested", "approval.decided", "release.queued"]', 'standard', 'sealed', 1, NOW(3), 'test')`);
    const release = await request('gated');
    expect(release.status).toBe('awaiting-approval');
    expect(enqueued).toEqual([]);
    const audit = await db.query<{ action: string; actor: string }>("SELECT action, actor FROM audit_entries WHERE target_type = 'release' AND target_id = ?", [release.id]);
    expect(audit).toEqual([{ action: 'release.create', actor: 'alice' }]);
    const events = await db.query<{ event_type: string }>('SELECT event_type FROM webhook_deliveries WHERE release_id = ?', [release.id]);
    expect(events.map((e) => e.event_type)).toEqual(['approval.requested']);
    const plain = await request('hello');
    expect(plain.status).toBe('queued');
    expect(enqueued).toEqual([plain.id]);
  });

  it('self-approval is refused (403, nothing recorded) unless the template allows it', async () => {
    const release = await request('gated');
    const refused = await approvals.approve(release.id, 'alice', {});
    expect(refused).toMatchObject({ ok: false, refusal: { kind: 'forbidden', message: expect.stringMatching(/alice requested release \d+ and may not approve it/) } });
    expect(await rowOf(release.id)).toMatchObject({ status: 'awaiting-approval' });
    expect(enqueued).toEqual([]);

    const own = await request('self');
    const approved = await approvals.approve(own.id, 'alice', { comment: 'my own, allowed' });
    expect(approved).toMatchObject({ ok: true, queued: true });
    expect(enqueued).toEqual([own.id]);
  });

  it('two distinct approvers are needed; the same approver twice counts once; each decision is stored and audited', async () => {
    const release = await request('pair');
    expect(await approvals.approve(release.id, 'bob', { comment: 'looks fine' })).toMatchObject({ ok: true, queued: false, unchanged: false });
    expect(await approvals.approve(release.id, 'bob', { comment: 'again' })).toMatchObject({ ok: true, queued: false, unchanged: true });
    expect((await rowOf(release.id)).status).toBe('awaiting-approval');
    expect(enqueued).toEqual([]);
    const done = await approvals.approve(release.id, 'carol', {});
    expect(done).toMatchObject({ ok: true, queued: true });
    expect(enqueued).toEqual([release.id]);
    const row = await rowOf(release.id);
    expect(row.status).toBe('queued');
    const approval = (typeof row.approval === 'string' ? JSON.parse(row.approval) : row.approval) as { decisions: { by: string; decision: string; comment: string | null }[] };
    expect(approval.decisions.map(({ by, decision, comment }) => ({ by, decision, comment }))).toEqual([
      { by: 'bob', decision: 'approve', comment: 'looks fine' },
      { by: 'carol', decision: 'approve', comment: null },
    ]);
    const audit = await db.query<{ action: string; actor: string }>("SELECT action, actor FROM audit_entries WHERE target_type = 'release' AND target_id = ? ORDER BY id", [release.id]);
    expect(audit).toEqual([
      { action: 'release.create', actor: 'alice' },
      { action: 'release.approve', actor: 'bob' },
      { action: 'release.approve', actor: 'carol' },
    ]);
    // Decided: nothing more can be decided.
    expect(await approvals.reject(release.id, 'bob', { comment: 'too late' })).toMatchObject({ ok: false, refusal: { kind: 'conflict' } });
  });

  it('two approvers approving at once queue exactly one run', async () => {
    for (let round = 0; round < 5; round++) {
      enqueued = [];
      const release = await request('gated');
      const results = await Promise.all([approvals.approve(release.id, 'bob', {}), approvals.approve(release.id, 'carol', {})]);
      expect(results.filter((r) => r.ok && r.queued)).toHaveLength(1);
      expect(enqueued).toEqual([release.id]);
      const events = await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM audit_entries WHERE target_id = ? AND action = 'release.approve'", [release.id]);
      expect(Number(events[0].n)).toBe(1);
    }
  });

  it('two approvers at once on a two-approver release: neither decision is lost, and it is queued once', async () => {
    for (let round = 0; round < 5; round++) {
      enqueued = [];
      const release = await request('pair');
      const results = await Promise.all([approvals.approve(release.id, 'bob', {}), approvals.approve(release.id, 'carol', {})]);
      expect(results.filter((r) => r.ok && r.queued)).toHaveLength(1);
      expect(enqueued).toEqual([release.id]);
      const row = await rowOf(release.id);
      const approval = (typeof row.approval === 'string' ? JSON.parse(row.approval) : row.approval) as { decisions: { by: string }[] };
      expect(row.status).toBe('queued');
      expect(approval.decisions.map((d) => d.by).sort()).toEqual(['bob', 'carol']);
    }
  });

  it('one rejection ends it rejected, with the comment; a rejection needs a comment (400 naming it)', async () => {
    const release = await request('pair');
    expect(await approvals.reject(release.id, 'bob', {})).toMatchObject({ ok: false, refusal: { kind: 'invalid', errors: [{ field: 'comment' }] } });
    expect((await rowOf(release.id)).status).toBe('awaiting-approval');
    expect(await approvals.reject(release.id, 'bob', { comment: 'not during the sale' })).toMatchObject({ ok: true });
    expect(await rowOf(release.id)).toMatchObject({ status: 'rejected', reason: 'rejected by bob: not during the sale' });
    expect(enqueued).toEqual([]);
    // The outbox (webhook endpoint of the first test): requested, then decided with who and why.
    const events = await db.query<{ event_type: string; payload: string }>('SELECT event_type, payload FROM webhook_deliveries WHERE release_id = ? ORDER BY id', [release.id]);
    expect(events.map((e) => e.event_type)).toEqual(['approval.requested', 'approval.decided']);
    expect((JSON.parse(events[1].payload) as { data: { approval: unknown } }).data.approval).toMatchObject({ decision: 'rejected', by: 'bob', comment: 'not during the sale', required: 2 });
  });

  it('expiry ends an unanswered request as expired, once, and an expired request takes no approval', async () => {
    const release = await request('brief');
    const later = new Date(Date.now() + 2_000);
    const [first, second] = await Promise.all([approvals.expireDue(later), approvals.expireDue(later)]);
    expect([...first, ...second].filter((id) => id === release.id)).toEqual([release.id]);
    expect(await rowOf(release.id)).toMatchObject({ status: 'expired', reason: expect.stringMatching(/^approval request expired at .* with 0 of 1 approval$/) });
    expect(await approvals.approve(release.id, 'bob', {})).toMatchObject({ ok: false, refusal: { kind: 'conflict' } });
    const audit = await db.query<{ action: string; actor: string }>("SELECT action, actor FROM audit_entries WHERE target_id = ? AND action = 'release.expire'", [release.id]);
    expect(audit).toEqual([{ action: 'release.expire', actor: 'approval expiry' }]);
    // A request not yet due is left alone.
    const fresh = await request('gated');
    expect(await approvals.expireDue(later)).not.toContain(fresh.id);
  });

  it('a launch that could never be approved is refused naming the field, and creates nothing', async () => {
    await tokens(['alice', 'approver'], ['bob', 'approver', true], ['dave', 'deployer']);
    const [before] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM releases');
    const result = await launcher.launch({ template: 'gated' }, { kind: 'token', name: 'alice' });
    expect(result).toMatchObject({ ok: false, refusal: { kind: 'invalid', errors: [{ field: 'templates.gated.approval.approvers' }] } });
    const [after] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM releases');
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('the waiting-for-me list: not my own, not one I approved', async () => {
    const mine = await request('pair', 'alice');
    const bobs = await request('pair', 'bob');
    await approvals.approve(bobs.id, 'carol', {});
    const forAlice = (await approvals.waitingFor('alice')).map((e) => e.release.id);
    expect(forAlice).toContain(bobs.id);
    expect(forAlice).not.toContain(mine.id);
    const forCarol = (await approvals.waitingFor('carol')).map((e) => e.release.id);
    expect(forCarol).toContain(mine.id);
    expect(forCarol).not.toContain(bobs.id);
    expect((await approvals.waitingFor('dave')).length).toBe(0);
  });

  it('preview: a check-mode release of the same params and commit is launched and linked; it is queued, the request is not', async () => {
    const release = await request('previewed');
    expect(release.approval?.previewReleaseId).toEqual(expect.any(Number));
    const previewId = release.approval!.previewReleaseId!;
    const [preview] = await db.query<{ status: string; check_mode: number; preview_of: number; commit_sha: string | null; template: string }>(
      'SELECT status, check_mode, preview_of, commit_sha, template FROM releases WHERE id = ?',
      [previewId],
    );
    expect(preview).toMatchObject({ status: 'queued', preview_of: release.id, template: 'previewed' });
    expect(Number(preview.check_mode)).toBe(1);
    expect(enqueued).toEqual([previewId]);
    const stored = await rowOf(release.id);
    const approval = (typeof stored.approval === 'string' ? JSON.parse(stored.approval) : stored.approval) as { previewReleaseId: number };
    expect(approval.previewReleaseId).toBe(previewId);
  });

  it('a request rejected or expired withdraws its preview: cancelled while queued, asked to stop while running, left alone once ended', async () => {
    const previewIdOf = async (id: number) => {
      const { approval } = await rowOf(id);
      return ((typeof approval === 'string' ? JSON.parse(approval) : approval) as { previewReleaseId: number }).previewReleaseId;
    };
    const rejected = await request('previewed');
    const queuedPreview = await previewIdOf(rejected.id);
    expect(await approvals.reject(rejected.id, 'bob', { comment: 'not this week' })).toMatchObject({ ok: true });
    expect(await rowOf(queuedPreview)).toMatchObject({ status: 'cancelled' });

    const expiring = await request('previewed');
    const runningPreview = await previewIdOf(expiring.id);
    await db.query(`UPDATE releases SET status = 'running', started_at = NOW(3), worker_id = 'w:1' WHERE id = ?`, [runningPreview]);
    await db.query('UPDATE releases SET approval_expires_at = ? WHERE id = ?', [new Date(Date.now() - 1_000), expiring.id]);
    expect(await approvals.expireDue()).toContain(expiring.id);
    const [running] = await db.query<{ status: string; cancel_requested_by: string | null }>('SELECT status, cancel_requested_by FROM releases WHERE id = ?', [runningPreview]);
    expect(running).toEqual({ status: 'running', cancel_requested_by: 'approval expiry' });

    const afterPreview = await request('previewed');
    const endedPreview = await previewIdOf(afterPreview.id);
    await db.query(`UPDATE releases SET status = 'succeeded', finished_at = NOW(3) WHERE id = ?`, [endedPreview]);
    expect(await approvals.reject(afterPreview.id, 'bob', { comment: 'saw the diff' })).toMatchObject({ ok: true });
    expect(await rowOf(endedPreview)).toMatchObject({ status: 'succeeded' });
  });

  it('the last approval passes the freeze check: frozen → 409 naming the window and nothing recorded; an admin override queues it and is recorded', async () => {
    const release = await request('gated');
    await db.query(
      `INSERT INTO freeze_windows (name, starts_at, ends_at, templates, created_by, created_at) VALUES ('sale', ?, ?, '["gated"]', 'test', NOW(3))`,
      [new Date(Date.now() - 60_000), new Date(Date.now() + 3_600_000)],
    );
    try {
      const frozen = await approvals.approve(release.id, 'bob', { comment: 'ship it' });
      expect(frozen).toMatchObject({ ok: false, refusal: { kind: 'frozen', window: { name: 'sale' } } });
      const row = await rowOf(release.id);
      expect(row.status).toBe('awaiting-approval');
      const approval = (typeof row.approval === 'string' ? JSON.parse(row.approval) : row.approval) as { decisions: unknown[] };
      expect(approval.decisions).toEqual([]);
      expect(enqueued).toEqual([]);
      const overridden = await approvals.approve(release.id, 'carol', { overrideFreeze: 'hotfix for INC-1, CAB approved' });
      expect(overridden).toMatchObject({ ok: true, queued: true, release: { freezeOverride: { window: 'sale', reason: 'hotfix for INC-1, CAB approved', by: 'carol' } } });
      expect(enqueued).toEqual([release.id]);
      const [audit] = await db.query<{ details: string | Record<string, unknown> }>("SELECT details FROM audit_entries WHERE target_id = ? AND action = 'release.approve'", [release.id]);
      const details = typeof audit.details === 'string' ? JSON.parse(audit.details) : audit.details;
      expect(details).toMatchObject({ freezeOverride: { window: 'sale', by: 'carol' } });
    } finally {
      await db.truncate('freeze_windows');
    }
  });

  it('cancel works on a release awaiting approval', async () => {
    const release = await request('gated');
    expect(await new ReleaseStore(db.uow).cancelQueued(release.id, 'alice')).toBe(true);
    expect((await rowOf(release.id)).status).toBe('cancelled');
    expect(await approvals.approve(release.id, 'bob', {})).toMatchObject({ ok: false, refusal: { kind: 'conflict' } });
  });

  it('a decision whose reply was lost after its commit answers the same on the retry (approve queues once, reject stays rejected)', async () => {
    const losing = new ReplyLosingUnitOfWork(db.uow);
    const audit = new AuditWriter(losing);
    const losingApprovals = new ReleaseApprovals(new ApprovalStore(losing, audit, {}), launcher, new ReleaseStore(db.uow));
    const approved = await request('gated');
    losing.loseReplyAfterCommit('approve release');
    expect(await losingApprovals.approve(approved.id, 'bob', { comment: 'ship it' })).toMatchObject({ ok: true, release: { status: 'queued' } });
    expect(losing.attempts.get('approve release')).toBe(2);
    expect(enqueued).toEqual([approved.id]);
    // The client's own retry (its reply was lost on the way too): the same answer, nothing written twice;
    // its job is added again while it is queued (the same job id, so BullMQ keeps one).
    expect(await approvals.approve(approved.id, 'bob', { comment: 'ship it' })).toMatchObject({ ok: true, unchanged: true, release: { status: 'queued' } });
    expect(new Set(enqueued)).toEqual(new Set([approved.id]));
    const decisions = await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'release.approve' AND target_id = ?", [approved.id]);
    expect(Number(decisions[0].n)).toBe(1);

    const rejected = await request('gated');
    losing.loseReplyAfterCommit('reject release');
    expect(await losingApprovals.reject(rejected.id, 'bob', { comment: 'not today' })).toMatchObject({ ok: true, release: { status: 'rejected' } });
    expect(await approvals.reject(rejected.id, 'bob', { comment: 'not today' })).toMatchObject({ ok: true, unchanged: true, release: { status: 'rejected' } });
    // Someone else's decision on a decided release is still a conflict.
    expect(await approvals.approve(rejected.id, 'carol', {})).toMatchObject({ ok: false, refusal: { kind: 'conflict' } });
  });
});
