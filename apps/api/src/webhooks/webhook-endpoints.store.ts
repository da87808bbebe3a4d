import { Injectable } from '@nestjs/common';
import type { Webhook, WebhookDelivery, WebhookEventType, WebhookFormat } from '@slipway/contracts';
import { UnitOfWork } from '@slipway/db';
import type { EntityManager } from 'typeorm';

export interface NewWebhookEndpoint {
  url: string;
  events: WebhookEventType[];
  templates: string[] | null;
  inventories: string[] | null;
  format: WebhookFormat;
  secretSealed: string;
  createdBy: string;
}

/** What PATCH may change (undefined: unchanged; templates/inventories null: all). */
export interface WebhookEndpointChange {
  url?: string;
  events?: WebhookEventType[];
  templates?: string[] | null;
  inventories?: string[] | null;
  format?: WebhookFormat;
  enabled?: boolean;
}

interface EndpointRow {
  id: number;
  url: string;
  events: string | WebhookEventType[];
  templates: string | string[] | null;
  inventories: string | string[] | null;
  format: WebhookFormat;
  enabled: number;
  disabled_reason: string | null;
  previous_secret_until: Date | null;
  created_at: Date;
  created_by: string;
}

const ENDPOINT_COLUMNS = 'id, url, events, templates, inventories, format, enabled, disabled_reason, previous_secret_until, created_at, created_by';
const json = <T>(value: string | T): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

/** An endpoint as the API shows it: never a secret, sealed or not. */
function toWebhook(row: EndpointRow): Webhook {
  const until = row.previous_secret_until && row.previous_secret_until.getTime() > Date.now() ? row.previous_secret_until.toISOString() : null;
  return {
    id: Number(row.id),
    url: row.url,
    events: json<WebhookEventType[]>(row.events),
    templates: row.templates === null ? null : json<string[]>(row.templates),
    inventories: row.inventories === null ? null : json<string[]>(row.inventories),
    format: row.format,
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabled_reason,
    previousSecretUntil: until,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
  };
}

/** Webhook endpoints and their deliveries, for the API (the worker's side is its WebhookDeliveryStore). */
@Injectable()
export class WebhookEndpointsStore {
  constructor(private readonly uow: UnitOfWork) {}

  async create(input: NewWebhookEndpoint): Promise<Webhook> {
    const id = await this.uow.run('create webhook endpoint', async (ds) => {
      const result: { insertId: number } = await ds.query(
        `INSERT INTO webhook_endpoints (url, events, templates, inventories, format, secret_sealed, enabled, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`,
        [
          input.url,
          JSON.stringify(input.events),
          input.templates ? JSON.stringify(input.templates) : null,
          input.inventories ? JSON.stringify(input.inventories) : null,
          input.format,
          input.secretSealed,
          new Date(),
          input.createdBy,
        ],
      );
      return Number(result.insertId);
    });
    return (await this.findById(id))!;
  }

  async list(): Promise<Webhook[]> {
    const rows: EndpointRow[] = await this.uow.run('list webhook endpoints', (ds) => ds.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY id`));
    return rows.map(toWebhook);
  }

  async findById(id: number): Promise<Webhook | null> {
    const rows: EndpointRow[] = await this.uow.run('read webhook endpoint', (ds) => ds.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?`, [id]));
    return rows[0] ? toWebhook(rows[0]) : null;
  }

  /** The new secret signs from now on; the current one becomes the previous one and signs too until `previousUntil`. */
  async rotateSecret(id: number, newSealed: string, previousUntil: Date): Promise<boolean> {
    const result: { affectedRows: number } = await this.uow.run('rotate webhook secret', (ds) =>
      ds.query(
        `UPDATE webhook_endpoints SET previous_secret_sealed = secret_sealed, previous_secret_until = ?, secret_sealed = ? WHERE id = ?`,
        [previousUntil, newSealed, id],
      ),
    );
    return Number(result.affectedRows) === 1;
  }

  /**
   * Changes the given fields (last writer wins). url and format apply to the deliveries not yet sent too
   * (they are sent with the endpoint as it is when they go out); events and filters to events from now on.
   * `enabled: false` stops sending (its deliveries wait, as after a 410); `true` sends them again.
   * Returns the endpoint before and after, or null when there is none.
   */
  async update(id: number, change: WebhookEndpointChange, actor: string): Promise<{ before: Webhook; after: Webhook } | null> {
    const found = await this.uow.run('update webhook endpoint', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        const rows: EndpointRow[] = await em.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ? FOR UPDATE`, [id]);
        if (!rows[0]) return null;
        const sets: string[] = [];
        const params: unknown[] = [];
        const set = (column: string, value: unknown) => {
          sets.push(`${column} = ?`);
          params.push(value);
        };
        if (change.url !== undefined) set('url', change.url);
        if (change.events !== undefined) set('events', JSON.stringify([...new Set(change.events)]));
        if (change.templates !== undefined) set('templates', change.templates === null ? null : JSON.stringify(change.templates));
        if (change.inventories !== undefined) set('inventories', change.inventories === null ? null : JSON.stringify(change.inventories));
        if (change.format !== undefined) set('format', change.format);
        if (change.enabled === true) {
          set('enabled', 1);
          set('disabled_reason', null);
        } else if (change.enabled === false && Number(rows[0].enabled) === 1) {
          set('enabled', 0);
          set('disabled_reason', `disabled by ${actor}`.slice(0, 500));
        }
        if (sets.length > 0) await em.query(`UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
        const after: EndpointRow[] = await em.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?`, [id]);
        return { before: toWebhook(rows[0]), after: toWebhook(after[0]) };
      }),
    );
    return found;
  }

  /**
   * Removes the endpoint, its sealed secrets, and its deliveries with their attempts (history included):
   * the deliveries not yet delivered are never sent. An attempt already on the wire may still arrive; its
   * outcome is not recorded (the worker records only under a claim on a row that still exists).
   */
  async delete(id: number): Promise<{ endpoint: Webhook; pendingDropped: number } | null> {
    return this.uow.run('delete webhook endpoint', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        const rows: EndpointRow[] = await em.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ? FOR UPDATE`, [id]);
        if (!rows[0]) return null;
        const pending: { n: number }[] = await em.query("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND state = 'pending'", [id]);
        // webhook_deliveries and webhook_attempts go with it (ON DELETE CASCADE).
        await em.query('DELETE FROM webhook_endpoints WHERE id = ?', [id]);
        return { endpoint: toWebhook(rows[0]), pendingDropped: Number(pending[0]?.n ?? 0) };
      }),
    );
  }

  /** Sending again after a 410 (the receiver is back): its pending deliveries go out again. */
  async enable(id: number): Promise<boolean> {
    const result: { affectedRows: number } = await this.uow.run('enable webhook endpoint', (ds) =>
      ds.query('UPDATE webhook_endpoints SET enabled = 1, disabled_reason = NULL WHERE id = ?', [id]),
    );
    return Number(result.affectedRows) === 1;
  }

  /** The newest 100 deliveries of an endpoint with every attempt of each. */
  async deliveries(endpointId: number, deliveryId?: number): Promise<WebhookDelivery[]> {
    return this.uow.run('list webhook deliveries', async (ds) => {
      const rows: {
        id: number;
        message_id: string;
        event_type: WebhookDelivery['eventType'];
        release_id: number | null;
        state: WebhookDelivery['state'];
        attempts: number;
        next_attempt_at: Date;
        last_error: string | null;
        created_at: Date;
        finished_at: Date | null;
      }[] = await ds.query(
        `SELECT id, message_id, event_type, release_id, state, attempts, next_attempt_at, last_error, created_at, finished_at
           FROM webhook_deliveries WHERE endpoint_id = ? ${deliveryId === undefined ? '' : 'AND id = ?'} ORDER BY id DESC LIMIT 100`,
        deliveryId === undefined ? [endpointId] : [endpointId, deliveryId],
      );
      if (rows.length === 0) return [];
      const attempts: { delivery_id: number; attempt: number; at: Date; status_code: number | null; latency_ms: number; error: string | null; response_head: string | null }[] =
        await ds.query(
          `SELECT delivery_id, attempt, at, status_code, latency_ms, error, response_head FROM webhook_attempts
            WHERE delivery_id IN (${rows.map(() => '?').join(', ')}) ORDER BY id`,
          rows.map((r) => Number(r.id)),
        );
      return rows.map((r) => ({
        id: Number(r.id),
        webhookId: r.message_id,
        eventType: r.event_type,
        releaseId: r.release_id === null ? null : Number(r.release_id),
        state: r.state,
        attempts: Number(r.attempts),
        nextAttemptAt: r.state === 'pending' ? new Date(r.next_attempt_at).toISOString() : null,
        lastError: r.last_error,
        createdAt: new Date(r.created_at).toISOString(),
        finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
        attemptLog: attempts
          .filter((a) => Number(a.delivery_id) === Number(r.id))
          .map((a) => ({
            attempt: Number(a.attempt),
            at: new Date(a.at).toISOString(),
            statusCode: a.status_code === null ? null : Number(a.status_code),
            latencyMs: Number(a.latency_ms),
            error: a.error,
            responseHead: a.response_head,
          })),
      }));
    });
  }

  /**
   * Sends a delivery again, whatever became of it (delivered, dead, or still retrying): due now, with a
   * fresh attempt budget and the same webhook-id, so a receiver that already had it can tell.
   */
  async redeliver(endpointId: number, deliveryId: number): Promise<boolean> {
    const result: { affectedRows: number } = await this.uow.run('redeliver webhook', (ds) =>
      ds.query(
        `UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, claim_token = NULL, finished_at = NULL
          WHERE id = ? AND endpoint_id = ?`,
        [new Date(), deliveryId, endpointId],
      ),
    );
    return Number(result.affectedRows) === 1;
  }
}
