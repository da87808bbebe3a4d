/** Shapes of the API's JSON answers (apps/api/src/releases/release.view.ts and friends), as the browser sees them. */
// Types only (nothing of libs/ reaches the bundle): the API's own contract types.
import type { ReleaseCommitView } from '../../../../libs/ansible/src/vars-schema.types';
import type { ReleaseWhatRan } from '../../../../libs/releases/src/what-ran.js';

export const RELEASE_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];
export const FINISHED_STATUSES: readonly ReleaseStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export type Role = 'viewer' | 'deployer' | 'admin';

export interface Session {
  name: string;
  role: Role;
}

export interface HostRecapCounts {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

/** What ran (`argv`, `ansibleVersion`, `catalogDigest`, and the commit of a git project): the contracts shared with the API and CLI. */
export interface Release extends ReleaseWhatRan, ReleaseCommitView {
  id: number;
  template: string;
  inventory: string;
  extraVars: Record<string, unknown>;
  limit: string | null;
  tags: string[] | null;
  skipTags: string[] | null;
  checkMode: boolean;
  lockKey: string;
  status: ReleaseStatus;
  exitCode: number | null;
  reason: string | null;
  waitingReason: string | null;
  workerId: string | null;
  requestedBy: string;
  rerunOf: number | null;
  cancelRequestedBy: string | null;
  logLines: number;
  recap: Record<string, HostRecapCounts> | null;
  createdAt: string;
  runAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

/** A newest-first list page (keyset pagination, libs/db keyset.ts): the cursors of the pages either side. */
export interface Page<T> {
  items: T[];
  /** Whether there are older entries than the last of this page. */
  more: boolean;
  /** `before=` for the next older page; null when there is none. */
  nextBefore: number | null;
  /** `after=` for the next newer page; null when this page starts with the newest. */
  prevAfter: number | null;
}

export interface Template {
  name: string;
  description: string | null;
  playbook: string;
  inventories: string[];
  defaultInventory: string | null;
  timeoutSeconds: number;
  extraVars: Record<string, unknown>;
  secretVars: string[];
  lock: string;
  /** True when a release may add vars the template does not declare (still never reserved names). */
  openVars: boolean;
  /** The declared vars as JSON Schema. */
  vars: VarsSchema;
  /** Which `limit` a release may send: any hosts/groups, none, or only these patterns (absent: any). */
  limit?: 'any' | 'none' | string[];
}

export type VarType = 'string' | 'integer' | 'number' | 'boolean' | 'array';

/**
 * One declared var (a JSON Schema property). A secret has `x-secret` and never a `default`. No `type`: an
 * untyped var (a legacy `extraVars:` default), any JSON value. `pattern` comes anchored (`^(?:…)$`).
 */
export interface VarSchema {
  type?: VarType;
  description?: string;
  default?: unknown;
  enum?: (string | number)[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: { type: 'string'; pattern?: string; minLength?: number; maxLength?: number };
  minItems?: number;
  maxItems?: number;
  writeOnly?: true;
  'x-secret'?: true;
}

export interface VarsSchema {
  type: 'object';
  properties: Record<string, VarSchema>;
  required: string[];
  additionalProperties: boolean;
}

export interface Worker {
  id: string;
  host: string;
  pid: number;
  version: string;
  concurrency: number;
  state: 'active' | 'draining';
  releases: number[];
  startedAt: string;
  heartbeatAt: string;
}

/** GET /api/v1/tokens (never the value); POST adds `token`, the value, shown once. */
export interface ApiToken {
  id: number;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

export const ROLES: readonly Role[] = ['viewer', 'deployer', 'admin'];

export const AUDIT_ACTIONS = ['release.create', 'release.cancel', 'release.rerun', 'token.create', 'token.revoke', 'catalog.reload'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditTargetType = 'release' | 'token' | 'catalog';

/** GET /api/v1/audit items. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: number;
  details: Record<string, unknown>;
}

export interface FieldError {
  field: string;
  message: string;
}

export function isFinished(status: ReleaseStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

export function canDeploy(role: Role | undefined): boolean {
  return role === 'deployer' || role === 'admin';
}

/** GET /api/v1/queue */
export interface QueueSummary {
  waiting: number;
  running: number;
  scheduled: number;
  lockWaits: { id: number; template: string; inventory: string; lockKey: string; waitingReason: string; createdAt: string }[];
}
