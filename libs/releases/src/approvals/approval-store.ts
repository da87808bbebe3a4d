import { Inject, Injectable } from '@nestjs/common';
import { BOOTSTRAP_NAME, SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { type ApprovalRecord, AuditWriter, ROLES, ReleaseEntity, UnitOfWork } from '@slipway/db';
import type { EntityManager } from 'typeorm';
import type { LaunchRefusal } from '../launch/launch-refusal.js';
import { releaseCounters } from '../release-counters.js';
import { affectedRows } from '../release-store.js';
import { type ApprovalEventData, writeReleaseEvent } from '../webhooks/webhook-outbox.js';
import { type ApprovalDecision, alreadyDecided, approvedBy, decisionProblem } from './approval-rules.js';

/** Roles that may approve: approver and every role ranked above it (admin). */
export const APPROVING_ROLES: readonly string[] = ROLES.slice(ROLES.indexOf('approver'));

/** What the last approval needs before the release is queued: the freeze check (and its override, if any). */
export type ApprovalGate = (release: ReleaseEntity) => Promise<{ ok: true; override: ReleaseEntity['freezeOverride'] } | { ok: false; refusal: LaunchRefusal }>;

export type DecisionResult =
  | { ok: true; release: ReleaseEntity; /** This decision queued the run. */ queued: boolean; /** An approver approving again: nothing changed. */ unchanged: boolean }
  | { ok: false; refusal: LaunchRefusal };

/** The audit actor of the expiry pass. */
export const APPROVAL_EXPIRY_ACTOR = 'approval expiry';

/**
 * The SQL of approvals (README "Approvals"). Each decision is one transaction holding the release's row
 * lock (SELECT … FOR UPDATE): two approvers at once take turns, the second reads the first's decision,
 * and exactly one of them moves it to queued. Every status write is conditional on awaiting-approval.
 */
@Injectable()
export class ApprovalStore {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditWriter,
    @Inject(SLIPWAY_CONFIG) private readonly config: Pick<SlipwayConfig, 'bootstrapToken'>,
  ) {}

  /**
   * People who could approve: the distinct names of tokens not revoked with a role that approves, and
   * the bootstrap admin when SLIPWAY_BOOTSTRAP_TOKEN is set (one identity, `bootstrap`).
   */
  possibleApprovers(): Promise<string[]> {
    return this.uow.run('read possible approvers', async (ds) => {
      const rows: { name: string }[] = await ds.query(
        `SELECT DISTINCT name FROM api_tokens WHERE revoked_at IS NULL AND role IN (${APPROVING_ROLES.map(() => '?').join(', ')}) ORDER BY name`,
        [...APPROVING_ROLES],
      );
      const names = rows.map((r) => r.name);
      return this.config.bootstrapToken ? [...names, BOOTSTRAP_NAME].sort() : names;
    });
  }

  /** Links the release awaiting approval to its check-mode preview. */
  async setPreview(id: number, previewId: number): Promise<void> {
    await this.uow.run('link approval preview', (ds) =>
      ds.query(`UPDATE releases SET approval = JSON_SET(approval, '$.previewReleaseId', ?) WHERE id = ? AND approval IS NOT NULL`, [previewId, id]),
    );
  }

  /**
   * Records `by`'s decision. A reject ends it `rejected`. An approve that brings the distinct approvers
   * to the number required passes `gate` first (the freeze check: refused, nothing is recorded) and then
   * moves it to queued, due from now unless its runAt is later (the caller enqueues its job).
   */
  decide(id: number, by: string, decision: ApprovalDecision, comment: string | null, gate: ApprovalGate): Promise<DecisionResult> {
    const entry = this.audit.inTransaction(by, decision === 'approve' ? 'release.approve' : 'release.reject');
    return this.uow.run(`${decision} release`, (ds) =>
      ds.transaction(async (em: EntityManager): Promise<DecisionResult> => {
        const release = await em.getRepository(ReleaseEntity).createQueryBuilder('r').setLock('pessimistic_write').where('r.id = :id', { id }).getOne();
        if (!release) return { ok: false, refusal: { kind: 'not-found', message: `id: release ${id} not found` } };
        const now = new Date();
        // A retried unit of work whose first attempt committed finds its own decision already there; so
        // does the client's retry. Still queued: the caller adds its job again (same job id: once).
        if (alreadyDecided(release, by, decision)) return { ok: true, release, queued: release.status === 'queued', unchanged: true };
        const problem = decisionProblem(release, by, decision, now);
        if (problem) return { ok: false, refusal: problem };
        const approval = release.approval!;
        if (decision === 'approve' && approvedBy(approval).includes(by)) return { ok: true, release, queued: false, unchanged: true };
        const record: ApprovalRecord = { ...approval, decisions: [...approval.decisions, { by, decision, comment, at: now.toISOString() }] };
        const given = approvedBy(record);
        const event = (extra: Partial<ApprovalEventData>): ApprovalEventData => ({
          required: record.approvers,
          approvedBy: given,
          expiresAt: record.expiresAt,
          previewReleaseId: record.previewReleaseId,
          ...extra,
        });
        const details = { template: release.template, inventory: release.inventory, comment, approvedBy: given, required: record.approvers };
        if (decision === 'reject') {
          const reason = `rejected by ${by}: ${comment ?? ''}`;
          const result = await em.query(
            `UPDATE releases SET status = 'rejected', approval = ?, reason = ?, finished_at = ? WHERE id = ? AND status = 'awaiting-approval'`,
            [JSON.stringify(record), reason, now, id],
          );
          if (affectedRows(result) !== 1) return { ok: false, refusal: { kind: 'conflict', message: `id: release ${id} is no longer awaiting approval` } };
          await releaseCounters.finished(em, id);
          await writeReleaseEvent(em, id, 'approval.decided', event({ decision: 'rejected', by, comment }));
          await entry.write(em, { type: 'release', id }, details);
          return { ok: true, release: Object.assign(release, { status: 'rejected', approval: record, reason, finishedAt: now }), queued: false, unchanged: false };
        }
        if (given.length < record.approvers) {
          await em.query(`UPDATE releases SET approval = ? WHERE id = ? AND status = 'awaiting-approval'`, [JSON.stringify(record), id]);
          await entry.write(em, { type: 'release', id }, { ...details, queued: false });
          return { ok: true, release: Object.assign(release, { approval: record }), queued: false, unchanged: false };
        }
        const gated = await gate(release);
        if (!gated.ok) return gated;
        const override = gated.override ?? release.freezeOverride;
        // It joins its lock key's queue now (its due time), not when it was requested, unless runAt is later.
        const runAt = release.runAt && release.runAt.getTime() > now.getTime() ? release.runAt : now;
        const result = await em.query(
          `UPDATE releases SET status = 'queued', approval = ?, run_at = ?, freeze_override = ? WHERE id = ? AND status = 'awaiting-approval'`,
          [JSON.stringify(record), runAt, override ? JSON.stringify(override) : null, id],
        );
        if (affectedRows(result) !== 1) return { ok: false, refusal: { kind: 'conflict', message: `id: release ${id} is no longer awaiting approval` } };
        await writeReleaseEvent(em, id, 'approval.decided', event({ decision: 'approved', by, comment }));
        await writeReleaseEvent(em, id, 'release.queued');
        await entry.write(em, { type: 'release', id }, { ...details, queued: true, ...(gated.override ? { freezeOverride: gated.override } : {}) });
        return { ok: true, release: Object.assign(release, { status: 'queued', approval: record, runAt, freezeOverride: override }), queued: true, unchanged: false };
      }),
    );
  }

  /** Requests past their expiry, oldest first, at most `limit`. */
  async listOverdue(now: Date, limit = 100): Promise<number[]> {
    const rows: { id: number }[] = await this.uow.run('list overdue approvals', (ds) =>
      ds.query(`SELECT id FROM releases WHERE status = 'awaiting-approval' AND approval_expires_at <= ? ORDER BY approval_expires_at, id LIMIT ?`, [now, limit]),
    );
    return rows.map((r) => Number(r.id));
  }

  /** awaiting-approval → expired, once (conditional), with its counter, its webhook event and its audit entry. */
  expire(id: number, now: Date): Promise<boolean> {
    const entry = this.audit.inTransaction(APPROVAL_EXPIRY_ACTOR, 'release.expire');
    return this.uow.run('expire approval request', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        const rows: { approval: ApprovalRecord | string; template: string; inventory: string }[] = await em.query(
          `SELECT approval, template, inventory FROM releases WHERE id = ? AND status = 'awaiting-approval' AND approval_expires_at <= ? FOR UPDATE`,
          [id, now],
        );
        const row = rows[0];
        if (!row) return false;
        const record: ApprovalRecord = typeof row.approval === 'string' ? JSON.parse(row.approval) : row.approval;
        const given = approvedBy(record);
        const reason = `approval request expired at ${record.expiresAt} with ${given.length} of ${record.approvers} approval${record.approvers === 1 ? '' : 's'}`;
        const result = await em.query(
          `UPDATE releases SET status = 'expired', reason = ?, finished_at = ? WHERE id = ? AND status = 'awaiting-approval'`,
          [reason, now, id],
        );
        if (affectedRows(result) !== 1) return false;
        await releaseCounters.finished(em, id);
        await writeReleaseEvent(em, id, 'approval.decided', {
          required: record.approvers,
          approvedBy: given,
          expiresAt: record.expiresAt,
          previewReleaseId: record.previewReleaseId,
          decision: 'expired',
          by: null,
          comment: null,
        });
        await entry.write(em, { type: 'release', id }, { template: row.template, inventory: row.inventory, approvedBy: given, required: record.approvers, expiresAt: record.expiresAt });
        return true;
      }),
    );
  }

  /** Releases awaiting approval that have not expired, oldest first (the "waiting for my approval" list filters them). */
  listAwaiting(now: Date, limit = 500): Promise<ReleaseEntity[]> {
    return this.uow.run('list awaiting approval', (ds) =>
      ds
        .getRepository(ReleaseEntity)
        .createQueryBuilder('r')
        .where(`r.status = 'awaiting-approval'`)
        .andWhere('r.approvalExpiresAt > :now', { now })
        .orderBy('r.id', 'ASC')
        .limit(limit)
        .getMany(),
    );
  }
}
