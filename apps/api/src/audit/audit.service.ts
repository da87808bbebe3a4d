import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type AuditAction, AuditEntryEntity, type AuditTargetType, type KeysetPage, type KeysetQuery, UnitOfWork, keysetPage } from '@slipway/db';

export interface AuditQuery extends KeysetQuery {
  actor?: string;
  action?: AuditAction;
  targetType?: AuditTargetType;
  targetId?: number;
}

/** Anything that runs SQL: the EntityManager of the transaction the entry belongs to. */
type Sql = Pick<EntityManager, 'query'>;

export interface TransactionalAuditEntry {
  write(sql: Sql, target: { type: AuditTargetType; id: number }, details?: Record<string, unknown>): Promise<void>;
  remove(sql: Sql): Promise<void>;
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

  /**
   * An entry written inside the transaction of the change it records (a new release): committed with it or
   * not at all, so no release goes without its entry and no entry outlives a change rolled back. `remove`
   * takes it out again in the transaction that undoes the change (a release whose job could not be queued).
   */
  inTransaction(actor: string, action: AuditAction): TransactionalAuditEntry {
    const requestId = randomUUID();
    const at = new Date();
    return {
      write: async (sql, target, details = {}) => {
        await sql.query(
          `INSERT INTO audit_entries (at, actor, action, target_type, target_id, details, request_id) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON DUPLICATE KEY UPDATE request_id = request_id`,
          [at, actor, action, target.type, target.id, JSON.stringify(details), requestId],
        );
      },
      remove: async (sql) => {
        await sql.query('DELETE FROM audit_entries WHERE request_id = ?', [requestId]);
      },
    };
  }

  /** One page, newest first: a keyset read by id on the index of the filter used (history-scale migration). */
  list(query: AuditQuery): Promise<KeysetPage<AuditEntryEntity>> {
    return this.uow.run('list audit entries', async (ds) => {
      const qb = ds.getRepository(AuditEntryEntity).createQueryBuilder('a');
      if (query.actor) qb.andWhere('a.actor = :actor', { actor: query.actor });
      if (query.action) qb.andWhere('a.action = :action', { action: query.action });
      if (query.targetType) qb.andWhere('a.targetType = :targetType', { targetType: query.targetType });
      if (query.targetId !== undefined) qb.andWhere('a.targetId = :targetId', { targetId: query.targetId });
      if (query.before !== undefined) qb.andWhere('a.id < :before', { before: query.before });
      if (query.after !== undefined) qb.andWhere('a.id > :after', { after: query.after });
      const rows = await qb.orderBy('a.id', query.after === undefined ? 'DESC' : 'ASC').limit(query.limit + 1).getMany();
      return keysetPage(rows, query);
    });
  }
}
