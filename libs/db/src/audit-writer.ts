import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditAction, AuditTargetType } from './entities/audit-entry.entity.js';
import { UnitOfWork } from './unit-of-work.js';

/** Anything that runs SQL: the EntityManager of the transaction the entry belongs to. */
type Sql = Pick<EntityManager, 'query'>;

export interface TransactionalAuditEntry {
  write(sql: Sql, target: { type: AuditTargetType; id: number }, details?: Record<string, unknown>): Promise<void>;
  remove(sql: Sql): Promise<void>;
}

const INSERT_ENTRY = `INSERT INTO audit_entries (at, actor, action, target_type, target_id, details, request_id) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON DUPLICATE KEY UPDATE request_id = request_id`;

/**
 * Writes the audit trail (who did what, when). In a lib so that every caller that changes something
 * (the API's controllers, the release launcher, a scheduler) writes entries the same way; the API's
 * AuditService adds the reads.
 */
@Injectable()
export class AuditWriter {
  private readonly logger = new Logger('Audit');

  constructor(protected readonly uow: UnitOfWork) {}

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
        ds.query(INSERT_ENTRY, [at, actor, action, target.type, target.id, JSON.stringify(details), requestId]),
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
        await sql.query(INSERT_ENTRY, [at, actor, action, target.type, target.id, JSON.stringify(details), requestId]);
      },
      remove: async (sql) => {
        await sql.query('DELETE FROM audit_entries WHERE request_id = ?', [requestId]);
      },
    };
  }
}
