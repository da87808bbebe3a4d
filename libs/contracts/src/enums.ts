/*
 * The closed lists the API's contract is built on. No imports (not even zod), so the dashboard bundle
 * and the CLI can take their values without pulling in anything else; libs/db stores these values.
 */

export const RELEASE_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export const ROLES = ['viewer', 'deployer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const AUDIT_ACTIONS = [
  'release.create', 'release.cancel', 'release.rerun', 'token.create', 'token.revoke', 'catalog.reload',
  'schedule.create', 'schedule.pause', 'schedule.resume', 'schedule.delete', 'freeze.create', 'freeze.delete',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an audit entry is about; there is one catalog, recorded as target id 0. */
export const AUDIT_TARGET_TYPES = ['release', 'token', 'catalog', 'schedule', 'freeze-window'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export const WORKER_STATES = ['active', 'draining'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];
