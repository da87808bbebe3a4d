/*
 * The API's answers are typed in libs/contracts (`import type … from '@slipway/contracts'`: types only, so
 * zod never reaches the bundle; the closed lists come from '@slipway/contracts/enums', which imports
 * nothing). What is left here is the dashboard's own reading of them.
 */
import type { ReleaseStatus, Role } from '@slipway/contracts';

export const FINISHED_STATUSES: readonly ReleaseStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted', 'rejected', 'expired'];

export function isFinished(status: ReleaseStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

export function canDeploy(role: Role | undefined): boolean {
  return role === 'deployer' || role === 'approver' || role === 'admin';
}

/** Approvers and admins approve or reject releases awaiting approval. */
export function canApprove(role: Role | undefined): boolean {
  return role === 'approver' || role === 'admin';
}
