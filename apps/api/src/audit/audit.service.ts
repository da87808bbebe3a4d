import { Injectable } from '@nestjs/common';
import { type AuditAction, AuditEntryEntity, type AuditTargetType, AuditWriter, type KeysetPage, type KeysetQuery, keysetPage } from '@slipway/db';

export type { TransactionalAuditEntry } from '@slipway/db';

export interface AuditQuery extends KeysetQuery {
  actor?: string;
  action?: AuditAction;
  targetType?: AuditTargetType;
  targetId?: number;
}

/** The audit trail for the API: the writes are libs/db's AuditWriter (shared with the release launcher), the reads are here. */
@Injectable()
export class AuditService extends AuditWriter {
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
