import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { type AuditAction, AuditEntryEntity, type AuditTargetType, UnitOfWork } from '@slipway/db';

export interface AuditQuery {
  actor?: string;
  action?: AuditAction;
  targetType?: AuditTargetType;
  targetId?: number;
  page: number;
  pageSize: number;
}

/** Writes and reads the audit trail (who did what, when). */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Recorded after the action succeeded, as its own unit of work (retried on a lost connection). The
   * action is not undone if this write fails after the retry budget; the failure is logged instead.
   * The entry's request id is made before the first attempt, so an attempt whose reply was lost after
   * its COMMIT is retried into the unique key and records nothing twice.
   */
  async record(
    actor: string,
    action: AuditAction,
    target: { type: AuditTargetType; id: number },
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const requestId = randomUUID();
    const at = new Date();
    try {
      await this.uow.run('write audit entry', (ds) =>
        ds.query(
          `INSERT INTO audit_entries (at, actor, action, target_type, target_id, details, request_id) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON DUPLICATE KEY UPDATE request_id = request_id`,
          [at, actor, action, target.type, target.id, JSON.stringify(details), requestId],
        ),
      );
    } catch (error) {
      this.logger.error(`audit entry ${action} ${target.type} ${target.id} by ${actor} not written: ${(error as Error).message}`);
    }
  }

  list(query: AuditQuery): Promise<{ items: AuditEntryEntity[]; total: number }> {
    return this.uow.run('list audit entries', async (ds) => {
      const where: Partial<Pick<AuditEntryEntity, 'actor' | 'action' | 'targetType' | 'targetId'>> = {};
      if (query.actor) where.actor = query.actor;
      if (query.action) where.action = query.action;
      if (query.targetType) where.targetType = query.targetType;
      if (query.targetId !== undefined) where.targetId = query.targetId;
      const [items, total] = await ds.getRepository(AuditEntryEntity).findAndCount({
        where,
        order: { id: 'DESC' },
        skip: (query.page - 1) * query.pageSize,
        take: query.pageSize,
      });
      return { items, total };
    });
  }
}
