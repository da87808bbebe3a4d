import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ClaimedDelivery, WebhookDeliveryStore } from '../../apps/worker/src/webhooks/webhook-delivery.store.js';
import { type MediumDb, ReplyLosingUnitOfWork, createMediumDb } from './support/medium-db.js';

/**
 * The worker's side of the outbox, recording many attempts in one transaction (issue 23, throughput):
 * each outcome applies only under its own claim, and a retried unit applies nothing twice.
 */
let db: MediumDb;
let store: WebhookDeliveryStore;
let endpointId = 0;

const ok = { statusCode: 204, latencyMs: 3, error: null, responseHead: null };
const failed = { statusCode: 500, latencyMs: 4, error: null, responseHead: 'boom' };

async function addDeliveries(n: number): Promise<void> {
  const now = new Date(Date.now() - 1_000);
  await db.query(
    `INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, payload, state, attempts, next_attempt_at, created_at)
     VALUES ${Array.from({ length: n }, () => "(?, ?, 'release.queued', '{}', 'pending', 0, ?, ?)").join(', ')}`,
    Array.from({ length: n }, (_, i) => [endpointId, `msg_${i}`, now, now]).flat(),
  );
}

const states = () =>
  db.query<{ message_id: string; state: string; claim_token: string | null; last_error: string | null }>(
    'SELECT message_id, state, claim_token, last_error FROM webhook_deliveries ORDER BY id',
  );
const attemptCount = async () => Number((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_attempts'))[0].n);

beforeAll(async () => {
  db = await createMediumDb('webhook_delivery_store');
  store = new WebhookDeliveryStore(db.uow);
});
afterAll(() => db?.drop());
beforeEach(async () => {
  await db.truncate('webhook_attempts', 'webhook_deliveries', 'webhook_endpoints');
  const rows = await db.query<{ id: number }>(
    `INSERT INTO webhook_endpoints (url, events, secret_sealed, enabled, created_at, created_by)
     VALUES ('http://127.0.0.1:9/hook', '["release.queued"]', 'slipway:v1:sealed', 1, NOW(3), 'medium') RETURNING id`,
  );
  endpointId = Number(rows[0].id);
});

describe('WebhookDeliveryStore.recordAll', () => {
  it('writes delivered, retry, dead and gone outcomes of one batch in one go, each with its attempt', async () => {
    await addDeliveries(4);
    const claimed = await store.claimDue(10, 60_000);
    expect(claimed).toHaveLength(4);
    const [a, b, c, d] = claimed.sort((x, y) => x.id - y.id) as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];
    await store.recordAll([
      { delivery: a, result: ok, verdict: { kind: 'delivered' } },
      { delivery: b, result: failed, verdict: { kind: 'retry', at: new Date(Date.now() + 60_000), error: 'the receiver answered 500' } },
      { delivery: c, result: failed, verdict: { kind: 'dead', error: 'dead after 1' } },
      { delivery: d, result: { ...failed, statusCode: 410 }, verdict: { kind: 'gone', error: 'gone' } },
    ]);
    expect(await states()).toEqual([
      { message_id: 'msg_0', state: 'delivered', claim_token: null, last_error: null },
      { message_id: 'msg_1', state: 'pending', claim_token: null, last_error: 'the receiver answered 500' },
      { message_id: 'msg_2', state: 'dead', claim_token: null, last_error: 'dead after 1' },
      { message_id: 'msg_3', state: 'dead', claim_token: null, last_error: 'gone' },
    ]);
    expect(await attemptCount()).toBe(4);
    expect((await db.query<{ enabled: number }>('SELECT enabled FROM webhook_endpoints'))[0].enabled).toBe(0);
  });

  it('leaves alone a delivery whose claim lapsed and was taken by another sender, and records the rest', async () => {
    await addDeliveries(2);
    const first = (await store.claimDue(10, 1)).sort((x, y) => x.id - y.id);
    // The lease (1 ms) lapses; another sender claims both again.
    await db.query('UPDATE webhook_deliveries SET next_attempt_at = ?', [new Date(Date.now() - 1_000)]);
    const second = (await store.claimDue(1, 60_000))[0];
    await store.recordAll(first.map((delivery) => ({ delivery, result: ok, verdict: { kind: 'delivered' as const } })));
    const after = await states();
    const taken = after.find((r) => r.message_id === second.messageId)!;
    expect(taken).toMatchObject({ state: 'pending', claim_token: second.claimToken });
    expect(after.filter((r) => r.state === 'delivered')).toHaveLength(1);
    expect(await attemptCount()).toBe(1);
  });

  it('a unit retried after its reply was lost records each attempt once', async () => {
    await addDeliveries(3);
    const losing = new ReplyLosingUnitOfWork(db.uow);
    const losingStore = new WebhookDeliveryStore(losing);
    const claimed = await losingStore.claimDue(10, 60_000);
    losing.loseReplyAfterCommit('record webhook attempts');
    await losingStore.recordAll(claimed.map((delivery) => ({ delivery, result: ok, verdict: { kind: 'delivered' as const } })));
    expect(losing.attempts.get('record webhook attempts')).toBe(2);
    expect((await states()).map((r) => r.state)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(await attemptCount()).toBe(3);
  });
});
