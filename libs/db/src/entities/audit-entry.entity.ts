import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

// The lists are the API's contract (libs/contracts enums.ts); the columns store exactly those values.
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, type AuditAction, type AuditTargetType } from '@slipway/contracts';
export { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, type AuditAction, type AuditTargetType };

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
