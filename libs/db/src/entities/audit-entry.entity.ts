import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const AUDIT_ACTIONS = [
  'release.create',
  'release.cancel',
  'release.rerun',
  'token.create',
  'token.revoke',
  'catalog.reload',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an entry is about; there is one catalog, recorded as target id 0. */
export const AUDIT_TARGET_TYPES = ['release', 'token', 'catalog'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/** Who did what, when. `details` never holds tokens or extra var values (they may be secrets). */
@Entity({ name: 'audit_entries' })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id: number;

  @Column({ type: 'datetime', precision: 3 })
  at: Date;

  @Column({ type: 'varchar', length: 200 })
  actor: string;

  @Column({ type: 'varchar', length: 32 })
  action: AuditAction;

  @Column({ name: 'target_type', type: 'varchar', length: 32 })
  targetType: AuditTargetType;

  @Column({ name: 'target_id', type: 'int', unsigned: true })
  targetId: number;

  @Column({ type: 'json' })
  details: Record<string, unknown>;

  /**
   * The write that recorded it (unique), so a retried write after a lost reply is not recorded twice.
   * Internal: not selected, so the audit API does not show it.
   */
  @Column({ name: 'request_id', type: 'char', length: 36, nullable: true, select: false })
  requestId: string | null;
}
