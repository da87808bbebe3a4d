import { z } from 'zod';
import { isoTime, text } from './common.js';
import { MAX_OVERRIDE_REASON_LENGTH, MIN_OVERRIDE_REASON_LENGTH } from './freezes.js';
import { named } from './registry.js';

export const MAX_APPROVAL_COMMENT_LENGTH = 2000;

/** One approver's decision on a release awaiting approval. */
export const approvalDecision = named(
  'ApprovalDecision',
  z.strictObject({
    by: z.string().meta({ example: 'bob', description: 'The token that decided' }),
    decision: z.enum(['approve', 'reject']),
    comment: z.string().nullable(),
    at: isoTime,
  }),
);
export type ApprovalDecision = z.infer<typeof approvalDecision>;

/** On a release of a template that requires approval (null otherwise): the rule it was requested under, and where it stands. */
export const releaseApproval = named(
  'ReleaseApproval',
  z.strictObject({
    required: z.number().int().meta({ example: 2, description: 'Distinct approvers needed' }),
    approvedBy: z.array(z.string()).meta({ description: 'Distinct approvers so far' }),
    allowSelfApproval: z.boolean().meta({ description: 'Whether the requester may be one of them (default false)' }),
    expiresAt: isoTime.meta({ description: 'An unanswered request ends `expired` then' }),
    preview: z.boolean().meta({ description: 'A check-mode preview of the same params and commit was launched with it' }),
    previewReleaseId: z.number().int().nullable().meta({ description: "The preview release (its /hosts are the per-host 'would change' results)" }),
    decisions: z.array(approvalDecision).meta({ description: 'Every decision, in order' }),
    mayApprove: z
      .array(z.string())
      .optional()
      .meta({ description: 'One-release answers, while it awaits approval: the tokens that may still approve it (approver or admin; not its requester unless allowed; not those who did)' }),
  }),
);
export type ReleaseApproval = z.infer<typeof releaseApproval>;

/** `POST /api/v1/releases/:id/approve` and `/reject` body. */
export const approvalDecisionRequest = named(
  'ApprovalDecisionRequest',
  z.strictObject({
    comment: text()
      .max(MAX_APPROVAL_COMMENT_LENGTH, { message: `at most ${MAX_APPROVAL_COMMENT_LENGTH} characters` })
      .optional()
      .meta({ example: 'checked the preview: only web1 changes', description: 'Why: required to reject, optional to approve' }),
    overrideFreeze: text()
      .trim()
      .min(MIN_OVERRIDE_REASON_LENGTH, { message: `a written reason of at least ${MIN_OVERRIDE_REASON_LENGTH} characters` })
      .max(MAX_OVERRIDE_REASON_LENGTH, { message: `at most ${MAX_OVERRIDE_REASON_LENGTH} characters` })
      .optional()
      .meta({ description: 'Admins only, approve only: queue the approved run despite a freeze window in force, for this written reason' }),
  }),
);
export type ApprovalDecisionRequest = z.infer<typeof approvalDecisionRequest>;

/** `GET /api/v1/approvals` query. */
export const listApprovalsQuery = named(
  'ListApprovalsQuery',
  z.strictObject({
    waitingFor: z.enum(['me', 'anyone'], { message: 'waitingFor must be me or anyone' }).optional().meta({
      description: 'me (default): releases the caller may approve now; anyone: every release awaiting approval',
    }),
  }),
);
export type ListApprovalsQuery = z.infer<typeof listApprovalsQuery>;
