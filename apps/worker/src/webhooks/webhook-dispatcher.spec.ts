import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { SecretKey, type SlipwayConfig } from '@slipway/config';
import { newWebhookSecret, sealWebhookSecret } from '@slipway/releases';
import type { AttemptVerdict, ClaimedDelivery, WebhookDeliveryStore } from './webhook-delivery.store.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import type { SendResult } from './webhook-sender.js';

const keys = { current: new SecretKey(randomBytes(32)) };
const config = {
  secretKeys: keys,
  webhooks: { publicUrl: 'https://slipway.example.com', allowedAddresses: [], timeoutMs: 1_000, retryBaseMs: 10_000, maxAttempts: 3, pollMs: 100, concurrency: 1, batchSize: 50 },
} as unknown as SlipwayConfig;

const payload = JSON.stringify({
  type: 'release.failed',
  timestamp: '2026-12-07T10:00:00.000Z',
  data: { release: { id: 7, template: 'hello', inventory: 'local', status: 'failed', reason: 'exit 2', actor: 'ci' }, links: { release: '/api/v1/releases/7', log: '/api/v1/releases/7/log', dashboard: '/releases/7' } },
});

/** A store that hands out one claimed delivery and keeps what was recorded for it. */
function fakeStore(delivery: ClaimedDelivery) {
  const recorded: { result: SendResult; verdict: AttemptVerdict }[] = [];
  const store = {
    claimDue: () => Promise.resolve([delivery]),
    recordAll: (outcomes: { result: SendResult; verdict: AttemptVerdict }[]) => {
      recorded.push(...outcomes.map(({ result, verdict }) => ({ result, verdict })));
      return Promise.resolve();
    },
  } as unknown as WebhookDeliveryStore;
  return { store, recorded };
}

/** A dispatcher whose sender answers `statusCode` and keeps what it was asked to send. */
function dispatcher(delivery: ClaimedDelivery, statusCode: number | null) {
  const { store, recorded } = fakeStore(delivery);
  const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
  const d = new WebhookDispatcher(store, config);
  (d as unknown as { sender: { send: unknown; close: () => void } }).sender = {
    send: (url: string, headers: Record<string, string>, body: string) => {
      sent.push({ url, headers, body });
      return Promise.resolve({ statusCode, latencyMs: 5, error: statusCode === null ? 'ECONNREFUSED' : null, responseHead: null });
    },
    close: () => undefined,
  };
  return { d, recorded, sent };
}

function claimed(overrides: Partial<ClaimedDelivery> = {}, endpoint: Partial<ClaimedDelivery['endpoint']> = {}, secret = newWebhookSecret()): ClaimedDelivery {
  return {
    id: 1,
    claimToken: 't',
    attempt: 1,
    messageId: 'msg_1',
    payload,
    endpoint: { id: 3, url: 'https://hooks.example.com/x', format: 'standard', secretSealed: sealWebhookSecret(secret, keys), previousSecretSealed: null, previousSecretUntil: null, ...endpoint },
    ...overrides,
  };
}

describe('WebhookDispatcher', () => {
  it('signs with the endpoint secret (standardwebhooks verifies it), absolute links, and records a 2xx as delivered', async () => {
    const secret = newWebhookSecret();
    const { d, recorded, sent } = dispatcher(claimed({}, {}, secret), 204);
    await d.pass();
    const [request] = sent;
    expect(new Webhook(secret).verify(request.body, request.headers)).toMatchObject({ data: { links: { release: 'https://slipway.example.com/api/v1/releases/7' } } });
    expect(request.headers['webhook-id']).toBe('msg_1');
    expect(recorded[0].verdict).toEqual({ kind: 'delivered' });
  });

  it('during a rotation both secrets sign; once the overlap is over only the new one', async () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const overlap = dispatcher(claimed({}, { previousSecretSealed: sealWebhookSecret(previous, keys), previousSecretUntil: new Date(Date.now() + 60_000) }, current), 200);
    await overlap.d.pass();
    const { body, headers } = overlap.sent[0];
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    const over = dispatcher(claimed({}, { previousSecretSealed: sealWebhookSecret(previous, keys), previousSecretUntil: new Date(Date.now() - 1) }, current), 200);
    await over.d.pass();
    expect(() => new Webhook(previous).verify(over.sent[0].body, over.sent[0].headers)).toThrow();
  });

  it('410 disables the endpoint; a failure is retried with backoff; the last attempt makes it dead', async () => {
    const gone = dispatcher(claimed(), 410);
    await gone.d.pass();
    expect(gone.recorded[0].verdict.kind).toBe('gone');
    const failing = dispatcher(claimed({ attempt: 1 }), 500);
    const before = Date.now();
    await failing.d.pass();
    const verdict = failing.recorded[0].verdict as Extract<AttemptVerdict, { kind: 'retry' }>;
    expect(verdict.kind).toBe('retry');
    expect(verdict.at.getTime() - before).toBeGreaterThanOrEqual(10_000);
    const last = dispatcher(claimed({ attempt: 3 }), null);
    await last.d.pass();
    expect(last.recorded[0].verdict).toEqual({ kind: 'dead', error: 'ECONNREFUSED (after 3 attempts)' });
  });

  it('a chat endpoint gets a Slack-compatible message', async () => {
    const { d, sent } = dispatcher(claimed({}, { format: 'slack' }), 200);
    await d.pass();
    expect(JSON.parse(sent[0].body)).toEqual({ text: 'Release 7 (hello on local) failed: exit 2 — requested by ci <https://slipway.example.com/releases/7|open>' });
  });

  it('a secret that cannot be opened is never sent unsigned: the attempt fails and is retried', async () => {
    const other = { current: new SecretKey(randomBytes(32)) };
    const { d, sent, recorded } = dispatcher(claimed({}, { secretSealed: sealWebhookSecret(newWebhookSecret(), other) }), 200);
    await d.pass();
    expect(sent).toEqual([]);
    expect(recorded[0].verdict.kind).toBe('retry');
    expect(recorded[0].result.error).toMatch(/another key/);
  });

  it('a schedule.tick-skipped event: absolute links in the standard body, one line for a chat endpoint', async () => {
    const tick = JSON.stringify({
      type: 'schedule.tick-skipped',
      timestamp: '2026-12-07T13:00:01.000Z',
      data: {
        schedule: { id: 4, name: 'nightly', template: 'hello', inventory: 'local' },
        tick: { at: '2026-12-07T13:00:00.000Z', outcome: 'skipped', reason: 'frozen', window: { name: 'year-end', endsAt: '2026-12-31T00:00:00.000Z' } },
        links: { schedule: '/api/v1/schedules/4', dashboard: '/schedules' },
      },
    });
    const standard = dispatcher(claimed({ payload: tick }), 200);
    await standard.d.pass();
    expect(JSON.parse(standard.sent[0].body)).toMatchObject({ data: { links: { schedule: 'https://slipway.example.com/api/v1/schedules/4', dashboard: 'https://slipway.example.com/schedules' } } });
    const chat = dispatcher(claimed({ payload: tick }, { format: 'slack' }), 200);
    await chat.d.pass();
    expect(JSON.parse(chat.sent[0].body)).toEqual({
      text: 'Schedule nightly (hello on local): tick 2026-12-07T13:00:00.000Z skipped — freeze window "year-end" in force until 2026-12-31T00:00:00.000Z <https://slipway.example.com/schedules|open>',
    });
  });

  it('outcomes that end while a recording transaction runs go together in the next one (group commit)', async () => {
    const batch = Array.from({ length: 20 }, (_, i) => claimed({ id: i + 1, messageId: `msg_${i}` }));
    const calls: number[] = [];
    const store = {
      claimDue: () => Promise.resolve(batch),
      recordAll: async (outcomes: unknown[]) => {
        calls.push(outcomes.length);
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    } as unknown as WebhookDeliveryStore;
    const d = new WebhookDispatcher(store, config);
    (d as unknown as { sender: { send: unknown; close: () => void } }).sender = {
      send: () => Promise.resolve({ statusCode: 204, latencyMs: 1, error: null, responseHead: null }),
      close: () => undefined,
    };
    await d.pass();
    expect(calls.reduce((a, b) => a + b, 0)).toBe(20);
    expect(calls.length).toBeLessThanOrEqual(2);
  });
});
