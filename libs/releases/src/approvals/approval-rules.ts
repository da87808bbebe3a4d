import type { ApprovalPolicy } from '@slipway/ansible';
import type { ApprovalRecord, ReleaseEntity } from '@slipway/db';
import type { LaunchFieldError, LaunchRefusal } from '../launch/launch-refusal.js';

/** What an approver says: approve (a comment optional) or reject (a comment required). */
export type ApprovalDecision = 'approve' | 'reject';

export const MAX_APPROVAL_COMMENT_LENGTH = 2000;

/** The rule as recorded on a new release awaiting approval: the template's, with its expiry fixed now. */
export function approvalRecordOf(policy: ApprovalPolicy, now: Date): ApprovalRecord {
  return {
    approvers: policy.approvers,
    allowSelfApproval: policy.allowSelfApproval,
    expiresAt: new Date(now.getTime() + policy.expiresAfterSeconds * 1000).toISOString(),
    preview: policy.preview,
    previewReleaseId: null,
    decisions: [],
  };
}

/** Distinct approvers so far, in the order they approved (an approver's second approval counts once). */
export function approvedBy(record: ApprovalRecord): string[] {
  return [...new Set(record.decisions.filter((d) => d.decision === 'approve').map((d) => d.by))];
}

/** Who may still approve: the possible approvers, less the requester (unless self-approval is allowed) and those who did. */
export function stillToApprove(record: Pick<ApprovalRecord, 'allowSelfApproval' | 'decisions'>, requestedBy: string, possible: readonly string[]): string[] {
  const done = new Set(approvedBy(record as ApprovalRecord));
  return possible.filter((name) => !done.has(name) && (record.allowSelfApproval || name !== requestedBy));
}

/**
 * A template whose rule asks for more approvers than there are people who could approve (the requester
 * is not one of them unless self-approval is allowed) could never be approved: the field that says so.
 */
export function approversProblem(
  template: string,
  policy: Pick<ApprovalPolicy, 'approvers' | 'allowSelfApproval'>,
  possible: readonly string[],
  requestedBy?: string,
): LaunchFieldError | null {
  const eligible = possible.filter((name) => policy.allowSelfApproval || name !== requestedBy);
  if (eligible.length >= policy.approvers) return null;
  const field = `templates.${template}.approval.approvers`;
  const who = requestedBy !== undefined && !policy.allowSelfApproval ? ` other than the requester (${requestedBy})` : '';
  return {
    field,
    message: `${field}: requires ${policy.approvers} distinct approver${policy.approvers === 1 ? '' : 's'} but only ${eligible.length} token${eligible.length === 1 ? '' : 's'}${who} could approve (role approver or admin, not revoked${eligible.length > 0 ? `: ${eligible.join(', ')}` : ''})`,
  };
}

/**
 * Whether `by` may decide `release` now: it must await approval and not have expired, and a requester
 * approves their own release only where the template allows it. Null: the decision may be recorded.
 */
/**
 * `by`'s same decision is already what decided the release: a retry after a lost reply (the unit of
 * work's own, or the client's), answered as the first was and writing nothing. An approve counts only
 * if the approvals it belongs to reached the number required (it queued the run); a reject only if the
 * release ended rejected.
 */
export function alreadyDecided(release: Pick<ReleaseEntity, 'status' | 'approval'>, by: string, decision: ApprovalDecision): boolean {
  const { approval } = release;
  if (!approval || release.status === 'awaiting-approval') return false;
  if (!approval.decisions.some((d) => d.by === by && d.decision === decision)) return false;
  return decision === 'reject' ? release.status === 'rejected' : approvedBy(approval).length >= approval.approvers;
}

export function decisionProblem(
  release: Pick<ReleaseEntity, 'id' | 'status' | 'requestedBy' | 'approval'>,
  by: string,
  decision: ApprovalDecision,
  now: Date,
): LaunchRefusal | null {
  const { approval } = release;
  if (!approval) return { kind: 'conflict', message: `id: release ${release.id} does not require approval` };
  if (release.status !== 'awaiting-approval') {
    return { kind: 'conflict', message: `id: release ${release.id} is ${release.status}; only a release awaiting approval can be approved or rejected` };
  }
  if (new Date(approval.expiresAt).getTime() <= now.getTime()) {
    return { kind: 'conflict', message: `id: the approval request of release ${release.id} expired at ${approval.expiresAt}` };
  }
  if (decision === 'approve' && by === release.requestedBy && !approval.allowSelfApproval) {
    return {
      kind: 'forbidden',
      message: `id: ${by} requested release ${release.id} and may not approve it (its template does not set approval.allowSelfApproval); another approver must`,
    };
  }
  return null;
}

/** The comment's rule: required to reject, optional to approve, at most MAX_APPROVAL_COMMENT_LENGTH characters. */
export function commentProblem(comment: unknown, decision: ApprovalDecision): LaunchFieldError | null {
  if (comment === undefined || comment === null || (typeof comment === 'string' && comment.trim() === '')) {
    return decision === 'reject' ? { field: 'comment', message: 'comment: required to reject (say why)' } : null;
  }
  if (typeof comment !== 'string') return { field: 'comment', message: 'comment: must be a string' };
  if (comment.length > MAX_APPROVAL_COMMENT_LENGTH) return { field: 'comment', message: `comment: at most ${MAX_APPROVAL_COMMENT_LENGTH} characters` };
  return null;
}
