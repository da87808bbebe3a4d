import { describe, expect, it } from 'vitest';
import type { ApprovalRecord } from '@slipway/db';
import { approvalRecordOf, approvedBy, approversProblem, commentProblem, decisionProblem, stillToApprove } from './approval-rules.js';

const now = new Date('2026-12-07T12:00:00Z');
const record = (over: Partial<ApprovalRecord> = {}): ApprovalRecord => ({
  approvers: 2,
  allowSelfApproval: false,
  expiresAt: '2026-12-08T12:00:00.000Z',
  preview: false,
  previewReleaseId: null,
  decisions: [],
  ...over,
});
const awaiting = (over: Partial<ApprovalRecord> = {}) => ({ id: 7, status: 'awaiting-approval' as const, requestedBy: 'alice', approval: record(over) });

describe('approval rules', () => {
  it('the request expires expiresAfter seconds after it was made', () => {
    expect(approvalRecordOf({ approvers: 1, allowSelfApproval: false, expiresAfterSeconds: 86_400, preview: true, inventories: ['prod'] }, now)).toEqual(
      record({ approvers: 1, preview: true }),
    );
  });

  it('the requester may not approve their own release (403), unless the template allows it', () => {
    expect(decisionProblem(awaiting(), 'alice', 'approve', now)).toMatchObject({ kind: 'forbidden', message: expect.stringMatching(/alice requested release 7 and may not approve it/) });
    expect(decisionProblem(awaiting({ allowSelfApproval: true }), 'alice', 'approve', now)).toBeNull();
    expect(decisionProblem(awaiting(), 'bob', 'approve', now)).toBeNull();
    // Withdrawing one's own request is not approving it.
    expect(decisionProblem(awaiting(), 'alice', 'reject', now)).toBeNull();
  });

  it('an expired request, or one no longer awaiting, takes no decision', () => {
    expect(decisionProblem(awaiting({ expiresAt: now.toISOString() }), 'bob', 'approve', now)).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/expired at/) });
    expect(decisionProblem({ ...awaiting(), status: 'queued' }, 'bob', 'approve', now)).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/is queued/) });
    expect(decisionProblem({ ...awaiting(), approval: null }, 'bob', 'reject', now)).toMatchObject({ kind: 'conflict' });
  });

  it('an approver approving twice counts once; a rejection is not an approval', () => {
    const decisions = [
      { by: 'bob', decision: 'approve' as const, comment: null, at: '' },
      { by: 'bob', decision: 'approve' as const, comment: 'again', at: '' },
      { by: 'carol', decision: 'reject' as const, comment: 'no', at: '' },
    ];
    expect(approvedBy(record({ decisions }))).toEqual(['bob']);
    expect(stillToApprove(record({ decisions }), 'alice', ['alice', 'bob', 'carol', 'dave'])).toEqual(['carol', 'dave']);
    expect(stillToApprove(record({ decisions, allowSelfApproval: true }), 'alice', ['alice', 'bob'])).toEqual(['alice']);
  });

  it('more approvers than people who could approve names the field; the requester does not count unless allowed', () => {
    expect(approversProblem('deploy-web', { approvers: 2, allowSelfApproval: false }, ['alice', 'bob'], 'alice')).toEqual({
      field: 'templates.deploy-web.approval.approvers',
      message: expect.stringMatching(/^templates\.deploy-web\.approval\.approvers: requires 2 distinct approvers but only 1 token other than the requester \(alice\) could approve/),
    });
    expect(approversProblem('deploy-web', { approvers: 2, allowSelfApproval: true }, ['alice', 'bob'], 'alice')).toBeNull();
    expect(approversProblem('deploy-web', { approvers: 2, allowSelfApproval: false }, ['alice', 'bob'])).toBeNull();
    expect(approversProblem('deploy-web', { approvers: 1, allowSelfApproval: false }, [])?.field).toBe('templates.deploy-web.approval.approvers');
  });

  it('a comment is required to reject, optional to approve, and bounded', () => {
    expect(commentProblem(undefined, 'reject')).toEqual({ field: 'comment', message: 'comment: required to reject (say why)' });
    expect(commentProblem('  ', 'reject')?.field).toBe('comment');
    expect(commentProblem(undefined, 'approve')).toBeNull();
    expect(commentProblem(5, 'approve')?.message).toBe('comment: must be a string');
    expect(commentProblem('x'.repeat(2001), 'approve')?.message).toMatch(/at most 2000/);
  });
});
