import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UnitOfWork } from '@slipway/db';
import type { SendResult } from './webhook-sender.js';

/** A delivery a sender has claimed, with what it needs to send it. */
export interface ClaimedDelivery {
  id: number;
  claimToken: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
  messageId: string;
  payload: string;
  endpoint: {
    id: number;
    url: string;
    format: 'standard' | 'slack';
    secretSealed: string;
    previousSecretSealed: string | null;
    previousSecretUntil: Date | null;
  };
}

/** What a sender decided about an attempt. */
export type AttemptVerdict =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: Date; error: string }
  | { kind: 'dead'; error: string }
  | { kind: 'gone'; error: string };

/** One attempt of one delivery, as recordAll writes it. */
export interface AttemptOutcome {
  delivery: ClaimedDelivery;
  result: SendResult;
  verdict: AttemptVerdict;
}

/**
 * The worker's side of the outbox: claims due deliveries and records each attempt. A claim moves
 * `next_attempt_at` past a lease and sets a claim token in one conditional UPDATE, so two senders never
 * both take a delivery while its lease runs, and a sender that dies (kill -9) leaves it due again when the
 * lease lapses: it is then sent again with the same webhook-id. Results are written only under the claim
 * token, so a sender that outlived its lease cannot overwrite what the next one recorded.
 */
@Injectable()
export class WebhookDeliveryStore {
  constructor(private readonly uow: UnitOfWork) {}

  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const claimToken = randomUUID();
    return this.uow.run('claim webhook deliveries', async (ds) => {
      const now = new Date();
      const due: { id: number }[] = await ds.query(
        `SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND e.enabled = 1 ORDER BY d.next_attempt_at LIMIT ?`,
        [now, limit],
      );
      if (due.length === 0) return [];
      // A retry after a lost reply finds its own claim by the token (the UPDATE then matches nothing new).
      await ds.query(
        `UPDATE webhook_deliveries SET claim_token = ?, next_attempt_at = ?, attempts = attempts + 1
          WHERE id IN (${due.map(() => '?').join(', ')}) AND state = 'pending' AND next_attempt_at <= ?`,
        [claimToken, new Date(now.getTime() + leaseMs), ...due.map((d) => Number(d.id)), now],
      );
      const rows: {
        id: number;
        attempts: number;
        message_id: string;
        payload: string;
        endpoint_id: number;
        url: string;
        format: 'standard' | 'slack';
        secret_sealed: string;
        previous_secret_sealed: string | null;
        previous_secret_until: Date | null;
      }[] = await ds.query(
        `SELECT d.id, d.attempts, d.message_id, d.payload, e.id AS endpoint_id, e.url, e.format, e.secret_sealed,
                e.previous_secret_sealed, e.previous_secret_until
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.claim_token = ? AND d.state = 'pending'`,
        [claimToken],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        claimToken,
        attempt: Number(r.attempts),
        messageId: r.message_id,
        payload: r.payload,
        endpoint: {
          id: Number(r.endpoint_id),
          url: r.url,
          format: r.format,
          secretSealed: r.secret_sealed,
          previousSecretSealed: r.previous_secret_sealed,
          previousSecretUntil: r.previous_secret_until,
        },
      }));
    });
  }

  /** One attempt's outcome (recordAll writes many at once). */
  record(delivery: ClaimedDelivery, result: SendResult, verdict: AttemptVerdict): Promise<void> {
    return this.recordAll([{ delivery, result, verdict }]);
  }

  /**
   * Attempts and their consequences, many in one transaction of a few multi-row statements (throughput:
   * not one transaction per attempt), each applied only while its claim is still its sender's: the rows
   * are locked and their claim tokens read first, and a delivery whose claim lapsed and was taken by
   * another sender (or redelivered) is left alone, as before. Retried whole on a lost connection: the
   * claim tokens are cleared in the same transaction, so a retry after a commit whose reply was lost
   * applies nothing twice.
   */
  async recordAll(outcomes: readonly AttemptOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const at = new Date();
    await this.uow.run('record webhook attempts', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        const ids = outcomes.map((o) => o.delivery.id);
        const current: { id: number; claim_token: string | null }[] = await em.query(
          `SELECT id, claim_token FROM webhook_deliveries WHERE id IN (${marks(ids.length)}) AND state = 'pending' FOR UPDATE`,
          ids,
        );
        const token = new Map(current.map((r) => [Number(r.id), r.claim_token]));
        const mine = outcomes.filter((o) => token.get(o.delivery.id) === o.delivery.claimToken);
        if (mine.length === 0) return;
        const delivered = mine.filter((o) => o.verdict.kind === 'delivered').map((o) => o.delivery.id);
        if (delivered.length > 0) {
          await em.query(
            `UPDATE webhook_deliveries SET state = 'delivered', finished_at = ?, claim_token = NULL, last_error = NULL WHERE id IN (${marks(delivered.length)})`,
            [at, ...delivered],
          );
        }
        const retries = mine.flatMap((o) => (o.verdict.kind === 'retry' ? [{ id: o.delivery.id, at: o.verdict.at, error: o.verdict.error }] : []));
        if (retries.length > 0) {
          await em.query(
            `UPDATE webhook_deliveries SET next_attempt_at = CASE id ${retries.map(() => 'WHEN ? THEN ?').join(' ')} END,
                    last_error = CASE id ${retries.map(() => 'WHEN ? THEN ?').join(' ')} END, claim_token = NULL
              WHERE id IN (${marks(retries.length)})`,
            [...retries.flatMap((r) => [r.id, r.at]), ...retries.flatMap((r) => [r.id, r.error.slice(0, 500)]), ...retries.map((r) => r.id)],
          );
        }
        const dead = mine.flatMap((o) => (o.verdict.kind === 'dead' || o.verdict.kind === 'gone' ? [{ id: o.delivery.id, error: o.verdict.error }] : []));
        if (dead.length > 0) {
          await em.query(
            `UPDATE webhook_deliveries SET state = 'dead', finished_at = ?, claim_token = NULL, last_error = CASE id ${dead.map(() => 'WHEN ? THEN ?').join(' ')} END
              WHERE id IN (${marks(dead.length)})`,
            [at, ...dead.flatMap((r) => [r.id, r.error.slice(0, 500)]), ...dead.map((r) => r.id)],
          );
        }
        await em.query(
          `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms, error, response_head) VALUES ${mine.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          mine.flatMap(({ delivery, result }) => [
            delivery.id,
            delivery.attempt,
            at,
            result.statusCode,
            result.latencyMs,
            result.error?.slice(0, 500) ?? null,
            result.responseHead?.slice(0, 1024) ?? null,
          ]),
        );
        for (const o of mine) {
          if (o.verdict.kind === 'gone') {
            await em.query('UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ? WHERE id = ?', [o.verdict.error, o.delivery.endpoint.id]);
          }
        }
      }),
    );
  }
}

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
