import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { HostRecap } from '@slipway/ansible';

/** Per-host PLAY RECAP counts as stored: exactly what the recap parser produces. */
export type HostRecapCounts = HostRecap;

// The list is the API's contract (libs/contracts enums.ts); the column stores exactly those values.
import { RELEASE_STATUSES, type ReleaseStatus } from '@slipway/contracts';
export { RELEASE_STATUSES, type ReleaseStatus };

/** What releases.freeze_override holds (contract: FreezeOverride in libs/contracts freezes.ts). */
export interface FreezeOverrideRecord {
  windowId: number;
  window: string;
  reason: string;
  by: string;
}

/** One approver's decision on a release awaiting approval (contract: ApprovalDecision in libs/contracts approvals.ts). */
export interface ApprovalDecisionRecord {
  by: string;
  decision: 'approve' | 'reject';
  comment: string | null;
  at: string;
}

/** What releases.approval holds: the template's rule when the release was requested, and every decision. */
export interface ApprovalRecord {
  /** Distinct approvers needed. */
  approvers: number;
  allowSelfApproval: boolean;
  /** ISO time the request expires (also in approval_expires_at, for the expiry pass). */
  expiresAt: string;
  preview: boolean;
  /** The check-mode release previewing it (preview: true), once launched. */
  previewReleaseId: number | null;
  decisions: ApprovalDecisionRecord[];
}

@Entity({ name: 'releases' })
export class ReleaseEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id: number;

  @Column({ type: 'varchar', length: 128 })
  template: string;

  @Column({ type: 'varchar', length: 128 })
  inventory: string;

  /** Secret vars appear here only as "********"; their values are in `secretValues`, encrypted. */
  @Column({ name: 'extra_vars', type: 'json' })
  extraVars: Record<string, unknown>;

  /** Names of the vars that were secret when the release was created; null for releases from before. */
  @Column({ name: 'secret_vars', type: 'json', nullable: true })
  secretVars: string[] | null;

  /** The secret vars' values, encrypted (see libs/releases secret-cipher.ts); null when there are none. */
  @Column({ name: 'secret_values', type: 'text', nullable: true, select: true })
  secretValues: string | null;

  @Column({ name: 'host_limit', type: 'varchar', length: 1024, nullable: true })
  limit: string | null;

  @Column({ type: 'json', nullable: true })
  tags: string[] | null;

  @Column({ name: 'skip_tags', type: 'json', nullable: true })
  skipTags: string[] | null;

  @Column({ name: 'check_mode', type: 'boolean', default: false })
  checkMode: boolean;

  @Column({ name: 'lock_key', type: 'varchar', length: 300 })
  lockKey: string;

  @Column({ type: 'varchar', length: 24 })
  status: ReleaseStatus;

  @Column({ name: 'exit_code', type: 'int', nullable: true })
  exitCode: number | null;

  /** Why it failed, was cancelled or interrupted; shown to users as is. */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** Why a queued release has not started yet (e.g. "waiting for release 12"). */
  @Column({ name: 'waiting_reason', type: 'varchar', length: 300, nullable: true })
  waitingReason: string | null;

  @Column({ name: 'worker_id', type: 'varchar', length: 200, nullable: true })
  workerId: string | null;

  @Column({ name: 'requested_by', type: 'varchar', length: 200 })
  requestedBy: string;

  @Column({ name: 'rerun_of', type: 'int', unsigned: true, nullable: true })
  rerunOf: number | null;

  @Column({ name: 'cancel_requested_by', type: 'varchar', length: 200, nullable: true })
  cancelRequestedBy: string | null;

  @Column({ name: 'log_lines', type: 'int', unsigned: true, default: 0 })
  logLines: number;

  /** Issue 21: ansible's events stored (release_events), where they stop, whether whole, how many not kept. */
  @Column({ name: 'events_stored', type: 'int', unsigned: true, default: 0 })
  eventsStored: number;

  @Column({ name: 'events_next_seq', type: 'int', unsigned: true, default: 1 })
  eventsNextSeq: number;

  @Column({ name: 'events_complete', type: 'boolean', default: false })
  eventsComplete: boolean;

  @Column({ name: 'events_not_kept', type: 'int', unsigned: true, default: 0 })
  eventsNotKept: number;

  @Column({ type: 'json', nullable: true })
  recap: Record<string, HostRecapCounts> | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'run_at', type: 'datetime', precision: 3, nullable: true })
  runAt: Date | null;

  @Column({ name: 'started_at', type: 'datetime', precision: 3, nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt: Date | null;

  /** When retention deleted this release's log (README "Retention"); null while the log is kept. */
  @Column({ name: 'log_deleted_at', type: 'datetime', precision: 3, nullable: true })
  logDeletedAt: Date | null;

  /** The request that created it (unique): a create retried after a lost COMMIT reply finds this row. */
  @Column({ name: 'request_id', type: 'char', length: 36, nullable: true })
  requestId: string | null;

  /** ansible-playbook's argv as run, executable first, secrets as "********"; null until it started. */
  @Column({ type: 'json', nullable: true })
  argv: string[] | null;

  /** ansible-core's version on the worker that ran it (`ansible-playbook --version`). */
  @Column({ name: 'ansible_version', type: 'varchar', length: 64, nullable: true })
  ansibleVersion: string | null;

  /** `sha256:<hex>` of the catalog entry at creation (libs/ansible catalog-digest.ts). */
  @Column({ name: 'catalog_digest', type: 'varchar', length: 80, nullable: true })
  catalogDigest: string | null;
  /** Git projects: the full commit id it runs, resolved when it was created (a re-run keeps it unless asked). */
  @Column({ name: 'commit_sha', type: 'varchar', length: 64, nullable: true })
  commitSha: string | null;

  /** Git projects: the branch, tag or commit name `commitSha` was resolved from. */
  @Column({ name: 'git_ref', type: 'varchar', length: 255, nullable: true })
  gitRef: string | null;

  /** The freeze window an admin overrode to launch it, with the written reason (null: no freeze was overridden). */
  @Column({ name: 'freeze_override', type: 'json', nullable: true })
  freezeOverride: FreezeOverrideRecord | null;

  /** Templates that require approval (issue 22): the rule it was requested under and its decisions; null otherwise. */
  @Column({ type: 'json', nullable: true })
  approval: ApprovalRecord | null;

  @Column({ name: 'approval_expires_at', type: 'datetime', precision: 3, nullable: true })
  approvalExpiresAt: Date | null;

  /** A check-mode preview: the release awaiting approval it previews (same params, same commit). */
  @Column({ name: 'preview_of', type: 'int', unsigned: true, nullable: true })
  previewOf: number | null;

  /** The tryStart call that started it: a retry of that call after a lost reply recognises its own start. */
  @Column({ name: 'start_id', type: 'char', length: 36, nullable: true })
  startId: string | null;
}
