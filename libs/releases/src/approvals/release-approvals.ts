import { Injectable, Logger } from '@nestjs/common';
import type { ReleaseEntity } from '@slipway/db';
import { type LaunchRefusal, invalid, refused } from '../launch/launch-refusal.js';
import { ReleaseLauncher } from '../launch/release-launcher.js';
import { ReleaseStore } from '../release-store.js';
import { type ApprovalDecision, approvedBy, commentProblem, stillToApprove } from './approval-rules.js';
import { APPROVAL_EXPIRY_ACTOR, ApprovalStore, type DecisionResult } from './approval-store.js';

export interface DecisionRequest {
  comment?: unknown;
  /** The last approval only, admins only (the API checks the role): queue it despite a freeze window, for this reason. */
  overrideFreeze?: string;
}

/** One entry of "waiting for my approval". */
export interface AwaitingApproval {
  release: ReleaseEntity;
  approvedBy: string[];
  /** Who may still approve it (possible approvers less the requester, unless allowed, and those who did). */
  mayApprove: string[];
}

/**
 * Approve, reject and expire releases awaiting approval (issue 22 item 2). The release was created by the
 * ReleaseLauncher (awaiting-approval, no job, no lock); the approval that completes it is queued through
 * the launcher's enqueue path after the launcher's freeze check, like every other launch.
 */
@Injectable()
export class ReleaseApprovals {
  private readonly logger = new Logger('ReleaseApprovals');

  constructor(
    private readonly store: ApprovalStore,
    private readonly launcher: ReleaseLauncher,
    private readonly releases: ReleaseStore,
  ) {}

  approve(id: number, by: string, request: DecisionRequest = {}): Promise<DecisionResult> {
    return this.decide(id, by, 'approve', request);
  }

  reject(id: number, by: string, request: DecisionRequest = {}): Promise<DecisionResult> {
    return this.decide(id, by, 'reject', request);
  }

  private async decide(id: number, by: string, decision: ApprovalDecision, request: DecisionRequest): Promise<DecisionResult> {
    const problem = commentProblem(request.comment, decision);
    if (problem) return refused(invalid([problem]));
    const comment = typeof request.comment === 'string' && request.comment.trim() !== '' ? request.comment.trim() : null;
    const result = await this.store.decide(id, by, decision, comment, (release) =>
      this.launcher.freezeCheckOf(release.template, release.inventory, release.runAt, request.overrideFreeze, by),
    );
    if (result.ok && result.queued) await this.launcher.enqueueApproved(result.release);
    if (result.ok && !result.unchanged && result.release.status === 'rejected') await this.withdrawPreview(result.release, by);
    return result;
  }

  /**
   * A request that ended without approval (rejected, expired, cancelled) needs its preview no more: a
   * preview still queued is cancelled, a running one is asked to stop (its worker reads the flag on its
   * housekeeping pass). One that already ended stays as it is: the record of what would have changed.
   */
  async withdrawPreview(release: Pick<ReleaseEntity, 'approval'>, by: string): Promise<void> {
    const previewId = release.approval?.previewReleaseId;
    if (!previewId) return;
    if (await this.releases.cancelQueued(previewId, by)) return;
    await this.releases.requestCancel(previewId, by);
  }

  /** One expiry pass: every overdue request is marked expired, once (a request another pass took is skipped). */
  async expireDue(now = new Date()): Promise<number[]> {
    const expired: number[] = [];
    for (const id of await this.store.listOverdue(now)) {
      if (!(await this.store.expire(id, now))) continue;
      expired.push(id);
      const release = await this.releases.findById(id);
      if (release) await this.withdrawPreview(release, APPROVAL_EXPIRY_ACTOR);
    }
    if (expired.length > 0) this.logger.log(`approval requests expired: releases ${expired.join(', ')}`);
    return expired;
  }

  /**
   * Releases awaiting approval that `name` may approve now (not their own unless allowed, not approved by
   * them yet); with null, every one.
   */
  async waitingFor(name: string | null, now = new Date()): Promise<AwaitingApproval[]> {
    const [awaiting, possible] = await Promise.all([this.store.listAwaiting(now), this.store.possibleApprovers()]);
    return awaiting
      .map((release) => ({ release, approvedBy: approvedBy(release.approval!), mayApprove: stillToApprove(release.approval!, release.requestedBy, possible) }))
      .filter((entry) => name === null || entry.mayApprove.includes(name));
  }

  /** Every release awaiting approval, with who may still approve each (for `--wait` and the release page). */
  async approversOf(release: ReleaseEntity): Promise<string[]> {
    if (!release.approval) return [];
    return stillToApprove(release.approval, release.requestedBy, await this.store.possibleApprovers());
  }
}

export type { LaunchRefusal };
