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

  /** The attempt and its consequence, in one transaction, only while the claim is still this sender's. */
  async record(delivery: ClaimedDelivery, result: SendResult, verdict: AttemptVerdict): Promise<void> {
    const at = new Date();
    await this.uow.run('record webhook attempt', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        const applied = await em.query(...verdictUpdate(delivery, verdict, at));
        if (affectedRows(applied) !== 1) return;
        await em.query(
          `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms, error, response_head) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [delivery.id, delivery.attempt, at, result.statusCode, result.latencyMs, result.error?.slice(0, 500) ?? null, result.responseHead?.slice(0, 1024) ?? null],
        );
        if (verdict.kind === 'gone') {
          await em.query('UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ? WHERE id = ?', [verdict.error, delivery.endpoint.id]);
        }
      }),
    );
  }
}

function verdictUpdate(delivery: ClaimedDelivery, verdict: AttemptVerdict, at: Date): [string, unknown[]] {
  const where = 'WHERE id = ? AND claim_token = ? AND state = ?';
  const key = [delivery.id, delivery.claimToken, 'pending'];
  switch (verdict.kind) {
    case 'delivered':
      return [`UPDATE webhook_deliveries SET state = 'delivered', finished_at = ?, claim_token = NULL, last_error = NULL ${where}`, [at, ...key]];
    case 'retry':
      return [`UPDATE webhook_deliveries SET next_attempt_at = ?, claim_token = NULL, last_error = ? ${where}`, [verdict.at, verdict.error, ...key]];
    case 'dead':
    case 'gone':
      return [`UPDATE webhook_deliveries SET state = 'dead', finished_at = ?, claim_token = NULL, last_error = ? ${where}`, [at, verdict.error, ...key]];
  }
}

function affectedRows(result: unknown): number {
  if (result && typeof result === 'object' && 'affectedRows' in result) return Number(result.affectedRows);
  if (Array.isArray(result) && typeof result[1] === 'number') return result[1];
  return 0;
}
