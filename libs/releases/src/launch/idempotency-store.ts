import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { IdempotencyKeyEntity, UnitOfWork } from '@slipway/db';

export type ClaimResult = { claimed: true; id: number } | { claimed: false; existing: IdempotencyKeyEntity | null };

/** Every read and write of idempotency_keys; each method is one retried unit of work. */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Inserts the key, or returns the row that already holds it. The unique (scope, idem_key) index picks
   * exactly one winner among concurrent requests: InnoDB makes the others wait on the winner's insert,
   * then fail with a duplicate key, and they read the winner's row instead. The claim's request id is
   * made before the first attempt, so an attempt retried after its COMMIT reply was lost finds the row it
   * inserted and knows it as its own claim.
   */
  claim(scope: string, key: string, requestHash: string): Promise<ClaimResult> {
    const requestId = randomUUID();
    const createdAt = new Date();
    return this.uow.run('claim idempotency key', async (ds) => {
      const result: { insertId?: number; affectedRows?: number } = await ds.query(
        `INSERT IGNORE INTO idempotency_keys (scope, idem_key, request_hash, release_id, created_at, request_id)
         VALUES (?, ?, ?, NULL, ?, ?)`,
        [scope, key, requestHash, createdAt, requestId],
      );
      if (Number(result.affectedRows) === 1) return { claimed: true as const, id: Number(result.insertId) };
      // Null when the row was deleted between our insert and this read (expired, abandoned, or its
      // release could not be queued): the caller tries again.
      const existing = await ds.getRepository(IdempotencyKeyEntity).findOneBy({ scope, key });
      if (existing?.requestId === requestId) return { claimed: true as const, id: existing.id };
      return { claimed: false as const, existing };
    });
  }

  /** Keeps the table to about one window of keys, without a timer. */
  async purgeExpired(expiredBefore: Date): Promise<void> {
    await this.uow.run('purge expired idempotency keys', (ds) =>
      ds.query('DELETE FROM idempotency_keys WHERE created_at < ? LIMIT 100', [expiredBefore]),
    );
  }

  /** Frees a key whose request failed (bad input, queue down), so a retry can use it. */
  async remove(id: number): Promise<void> {
    await this.uow.run('free idempotency key', (ds) => ds.query('DELETE FROM idempotency_keys WHERE id = ?', [id]));
  }

  /** Drops an expired or abandoned row, only if it is still the one we looked at. */
  async removeStale(existing: IdempotencyKeyEntity): Promise<void> {
    await this.uow.run('drop stale idempotency key', (ds) =>
      ds.query('DELETE FROM idempotency_keys WHERE id = ? AND created_at = ?', [existing.id, existing.createdAt]),
    );
  }
}
