import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreatedWebhook, type Webhook as WebhookEndpoint, type WebhookDelivery, createdWebhookBody, webhookBody, webhookDeliveryList, webhookList } from '@slipway/contracts';
import { ApiClient } from '../support/api-client.js';
import { startCli } from '../support/cli-runner.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/** One request as the receiver saw it, with whether its signature verified under the endpoint's secret. */
interface Received {
  path: string;
  webhookId: string;
  body: Record<string, unknown>;
  raw: string;
  timestamp: string;
  signature: string;
  verified: boolean;
}

type Answer = number | 'hold';

/**
 * A real receiver on 127.0.0.1: each path is one endpoint, answering what the test sets for it, and
 * verifying every request with the standardwebhooks library and the secret the API showed at creation.
 */
class Receiver {
  readonly received: Received[] = [];
  readonly secrets = new Map<string, string>();
  readonly answers = new Map<string, Answer[]>();
  private readonly held: ServerResponse[] = [];
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** The next answers for a path (the last one repeats). */
  answer(path: string, ...answers: Answer[]): void {
    this.answers.set(path, answers);
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = request.url ?? '/';
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    let verified: boolean;
    try {
      new Webhook(this.secrets.get(path) ?? 'whsec_AAAA').verify(raw, headers);
      verified = true;
    } catch {
      verified = false;
    }
    this.received.push({ path, webhookId: headers['webhook-id'] ?? '', body: JSON.parse(raw) as Record<string, unknown>, raw, timestamp: headers['webhook-timestamp'] ?? '', signature: headers['webhook-signature'] ?? '', verified });
    const queue = this.answers.get(path) ?? [200];
    const answer = queue.length > 1 ? queue.shift()! : queue[0];
    if (answer === 'hold') {
      this.held.push(response);
      return;
    }
    response.writeHead(answer, { 'content-type': 'text/plain' }).end(`answer ${answer} `.repeat(answer === 200 ? 1 : 500));
  }

  async stop(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('webhooks (issue 23)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;
  const receiver = new Receiver();
  let workerEnv: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv('webhooks');
    await receiver.start();
    workerEnv = {
      ...env.env,
      WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1',
      WEBHOOK_RETRY_BASE_MS: '200',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_POLL_MS: '100',
      WEBHOOK_TIMEOUT_MS: '2000',
      SLIPWAY_PUBLIC_URL: 'https://slipway.example.com',
    };
    api = await startApi(env.env);
    client = new ApiClient(api.url, env.bootstrapToken);
    worker = await startWorker(workerEnv);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await receiver.stop();
    await env?.cleanup();
  });

  async function register(path: string, body: Record<string, unknown> = {}, host = `127.0.0.1:${receiver.port}`): Promise<CreatedWebhook> {
    const { status, body: created, text } = await client.request<CreatedWebhook>('POST', '/api/v1/webhooks', {
      url: `http://${host}${path}`,
      events: ['release.queued', 'release.started', 'release.succeeded', 'release.failed', 'release.cancelled', 'release.interrupted'],
      ...body,
    });
    expect(status, text).toBe(201);
    createdWebhookBody.parse(created); // strict: an undeclared field (a sealed secret) fails
    receiver.secrets.set(path, created.secret);
    return created;
  }

  async function deliveries(id: number): Promise<WebhookDelivery[]> {
    const { status, body } = await client.request<WebhookDelivery[]>('GET', `/api/v1/webhooks/${id}/deliveries`);
    expect(status).toBe(200);
    return webhookDeliveryList.parse(body);
  }

  /** A release that only waits (due in an hour): a "queued" event without running ansible. */
  const scheduled = () => client.createRelease({ template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });

  it('a run sends queued, started and succeeded, signed so that standardwebhooks verifies them; the secret is never stored in clear', { timeout: 120_000 }, async () => {
    const endpoint = await register('/signed');
    expect(endpoint.secret).toMatch(/^whsec_/);
    const release = await client.createRelease({ template: 'hello' });
    const got = await waitFor('three events', () => {
      const mine = receiver.on('/signed').filter((r) => (r.body.data as { release: { id: number } }).release.id === release.id);
      return mine.length >= 3 ? mine : undefined;
    }, { timeoutMs: 90_000 });
    expect(got.map((r) => r.body.type)).toEqual(['release.queued', 'release.started', 'release.succeeded']);
    expect(got.every((r) => r.verified)).toBe(true);
    expect(new Set(got.map((r) => r.webhookId)).size).toBe(3);
    expect(got[2].body).toMatchObject({
      data: {
        release: { id: release.id, template: 'hello', status: 'succeeded', actor: 'bootstrap' },
        links: { release: `https://slipway.example.com/api/v1/releases/${release.id}` },
      },
    });
    const stored = JSON.stringify(await queryDb(env.databaseUrl, 'SELECT * FROM webhook_endpoints'));
    expect(stored).not.toContain(endpoint.secret.slice('whsec_'.length));
    const one = await client.request('GET', `/api/v1/webhooks/${endpoint.id}`);
    webhookBody.parse(one.body);
    const all = await client.request('GET', '/api/v1/webhooks');
    webhookList.parse(all.body);
    expect(one.text + all.text).not.toContain(endpoint.secret);
  });

  it('during a rotation both secrets sign, so a receiver with either one verifies', { timeout: 60_000 }, async () => {
    const endpoint = await register('/rotated', { events: ['release.queued'] });
    const { body: rotated } = await client.request<CreatedWebhook>('POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`, { overlapHours: 1 });
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(rotated.previousSecretUntil).not.toBeNull();
    const release = await scheduled();
    const [got] = await waitFor('the queued event', () => {
      const mine = receiver.on('/rotated').filter((r) => (r.body.data as { release: { id: number } }).release.id === release.id);
      return mine.length > 0 ? mine : undefined;
    });
    expect(got.signature.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': got.webhookId, 'webhook-timestamp': got.timestamp, 'webhook-signature': got.signature };
    expect(() => new Webhook(endpoint.secret).verify(got.raw, headers)).not.toThrow();
    expect(() => new Webhook(rotated.secret).verify(got.raw, headers)).not.toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(got.raw, headers)).toThrow();
    receiver.secrets.set('/rotated', rotated.secret);
  });

  it('a receiver answering 500 and then 200 gets the event again with the same webhook-id; each attempt is recorded', { timeout: 60_000 }, async () => {
    const endpoint = await register('/flaky', { events: ['release.queued'] });
    receiver.answer('/flaky', 500, 200);
    await scheduled();
    const list = await waitFor('delivered after a retry', async () => {
      const found = await deliveries(endpoint.id);
      return found[0]?.state === 'delivered' ? found : undefined;
    });
    const got = receiver.on('/flaky');
    expect(got).toHaveLength(2);
    expect(got[0].webhookId).toBe(got[1].webhookId);
    expect(list[0].webhookId).toBe(got[0].webhookId);
    expect(list[0].attemptLog.map((a) => a.statusCode)).toEqual([500, 200]);
    expect(list[0].attemptLog[0].responseHead).toMatch(/^answer 500/);
    expect(list[0].attemptLog[0].responseHead!.length).toBeLessThanOrEqual(1024);
  });

  it('after the last attempt a delivery is dead and shown so; a redelivery from the API sends it again, same webhook-id', { timeout: 60_000 }, async () => {
    const endpoint = await register('/down', { events: ['release.queued'] });
    receiver.answer('/down', 500);
    await scheduled();
    const [dead] = await waitFor('the delivery dead', async () => {
      const found = await deliveries(endpoint.id);
      return found[0]?.state === 'dead' ? found : undefined;
    });
    expect(dead.attempts).toBe(3);
    expect(dead.lastError).toMatch(/500/);
    receiver.answer('/down', 200);
    const { status } = await client.request('POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${dead.id}/redeliver`);
    expect(status).toBe(200);
    await waitFor('redelivered', async () => (await deliveries(endpoint.id))[0]?.state === 'delivered');
    const got = receiver.on('/down');
    expect(got).toHaveLength(4);
    expect(new Set(got.map((r) => r.webhookId)).size).toBe(1);
    const audit = await client.request<{ items: { action: string }[] }>('GET', '/api/v1/audit?targetType=webhook');
    expect(audit.body.items.map((e) => e.action)).toContain('webhook.redeliver');
  });

  it('410 Gone disables the endpoint: nothing more is sent to it', { timeout: 60_000 }, async () => {
    const endpoint = await register('/gone', { events: ['release.queued'] });
    receiver.answer('/gone', 410);
    await scheduled();
    const disabled = await waitFor('the endpoint disabled', async () => {
      const { body } = await client.request<{ enabled: boolean; disabledReason: string | null }>('GET', `/api/v1/webhooks/${endpoint.id}`);
      return body.enabled ? undefined : body;
    });
    expect(disabled.disabledReason).toMatch(/410/);
    const before = receiver.on('/gone').length;
    await scheduled();
    // A later event to a live endpoint arrives, while the disabled one gets nothing.
    const live = await register('/alive', { events: ['release.queued'] });
    const release = await scheduled();
    await waitFor('the live endpoint served', () => receiver.on('/alive').some((r) => (r.body.data as { release: { id: number } }).release.id === release.id));
    expect(receiver.on('/gone').length).toBe(before);
    expect(live.enabled).toBe(true);
  });

  it('refuses to connect to a loopback address not on the allow-list, and to the metadata address', { timeout: 60_000 }, async () => {
    const loopback = await register('/loop', { events: ['release.queued'] }, `127.0.0.2:${receiver.port}`);
    const metadata = await register('/meta', { events: ['release.queued'] }, '169.254.169.254');
    await scheduled();
    for (const endpoint of [loopback, metadata]) {
      const [delivery] = await waitFor('a refused attempt', async () => {
        const found = await deliveries(endpoint.id);
        return found[0]?.attemptLog.length ? found : undefined;
      });
      expect(delivery.attemptLog[0].error).toMatch(/refused: .*loopback, private, link-local or metadata/);
      expect(delivery.attemptLog[0].statusCode).toBeNull();
    }
  });

  it('kill -9 of the worker mid-delivery: the event is delivered again by the next worker, with the same webhook-id', { timeout: 120_000 }, async () => {
    const endpoint = await register('/killed', { events: ['release.queued'] });
    receiver.answer('/killed', 'hold', 200);
    await scheduled();
    await waitFor('the delivery in flight', () => receiver.on('/killed').length === 1);
    worker.signal('SIGKILL');
    await worker.exited;
    worker = await startWorker(workerEnv);
    await waitFor('delivered by the next worker', async () => (await deliveries(endpoint.id))[0]?.state === 'delivered', { timeoutMs: 60_000 });
    const got = receiver.on('/killed');
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(new Set(got.map((r) => r.webhookId)).size).toBe(1);
    expect(got.every((r) => r.verified)).toBe(true);
  });

  it('the CLI registers an endpoint (secret alone on stdout), lists its deliveries and redelivers one', { timeout: 60_000 }, async () => {
    const cli = async (...args: string[]) => startCli(args, { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: env.bootstrapToken }).done;
    const created = await cli('webhook', 'create', '--url', `http://127.0.0.1:${receiver.port}/cli`, '--event', 'release.queued');
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    receiver.secrets.set('/cli', secret);
    const listed = await cli('--json', 'webhook', 'list');
    const endpoint = webhookList.parse(JSON.parse(listed.stdout)).find((w) => w.url.endsWith('/cli'))!;
    await scheduled();
    await waitFor('delivered', () => receiver.on('/cli').length === 1);
    const [delivery] = await waitFor('recorded as delivered', async () => {
      const found = await deliveries(endpoint.id);
      return found[0]?.state === 'delivered' ? found : undefined;
    });
    const table = await cli('webhook', 'deliveries', String(endpoint.id));
    expect(table.stdout).toContain('delivered');
    expect(table.stdout).toContain(delivery.webhookId);
    const redelivered = await cli('webhook', 'redeliver', String(endpoint.id), String(delivery.id));
    expect(redelivered.code, redelivered.stderr).toBe(0);
    await waitFor('sent again', () => receiver.on('/cli').length === 2);
    expect(receiver.on('/cli').map((r) => [r.webhookId, r.verified])).toEqual([
      [delivery.webhookId, true],
      [delivery.webhookId, true],
    ]);
    const audit = await cli('--json', 'audit', '--target-type', 'webhook', '--target-id', String(endpoint.id));
    expect((JSON.parse(audit.stdout) as { items: { action: string }[] }).items.map((e) => e.action)).toEqual(['webhook.redeliver', 'webhook.create']);
  });

  it('bad input is a 400 naming the field, and nothing is created', async () => {
    const before = (await client.request<unknown[]>('GET', '/api/v1/webhooks')).body.length;
    for (const [body, field] of [
      [{ url: 'ftp://x', events: ['release.queued'] }, 'url'],
      [{ url: 'http://u:p@example.com/', events: ['release.queued'] }, 'url'],
      [{ url: 'https://example.com/', events: ['release.exploded'] }, 'events'],
      [{ url: 'https://example.com/', events: [] }, 'events'],
      [{ url: 'https://example.com/', events: ['release.queued'], format: 'xml' }, 'format'],
    ] as const) {
      const { status, text } = await client.request('POST', '/api/v1/webhooks', body);
      expect(status, text).toBe(400);
      expect(text).toContain(field);
    }
    expect((await client.request<unknown[]>('GET', '/api/v1/webhooks')).body.length).toBe(before);
  });
});

describe('webhook endpoints can be edited and deleted (issue 23)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;
  const receiver = new Receiver();

  beforeAll(async () => {
    env = await createTestEnv('webhooks_edit');
    await receiver.start();
    api = await startApi(env.env);
    client = new ApiClient(api.url, env.bootstrapToken);
    // A failed attempt is retried only after 10 minutes: a delivery answered 500 stays pending meanwhile.
    worker = await startWorker({ ...env.env, WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1', WEBHOOK_POLL_MS: '100', WEBHOOK_RETRY_BASE_MS: '600000', SCHEDULE_POLL_MS: '300' });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await receiver.stop();
    await env?.cleanup();
  });

  async function register(path: string): Promise<CreatedWebhook> {
    const { status, body, text } = await client.request<CreatedWebhook>('POST', '/api/v1/webhooks', { url: `http://127.0.0.1:${receiver.port}${path}`, events: ['release.queued'] });
    expect(status, text).toBe(201);
    receiver.secrets.set(path, body.secret);
    return body;
  }
  const patch = (id: number, body: unknown) => client.request<WebhookEndpoint>('PATCH', `/api/v1/webhooks/${id}`, body);
  const scheduled = () => client.createRelease({ template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });
  /** Its deliveries that failed once and wait for their retry. */
  const pending = async (id: number) =>
    (await client.request<WebhookDelivery[]>('GET', `/api/v1/webhooks/${id}/deliveries`)).body.filter((d) => d.state === 'pending' && d.attemptLog.length > 0);
  const auditOf = async (id: number) =>
    (await client.request<{ items: { action: string; details: Record<string, unknown> }[] }>('GET', `/api/v1/audit?targetType=webhook&targetId=${id}`)).body.items;

  it('PATCH: bad input is a 400 naming the field and changes nothing; unknown id 404', async () => {
    const endpoint = await register('/edit-bad');
    const { body: before } = await client.request<WebhookEndpoint>('GET', `/api/v1/webhooks/${endpoint.id}`);
    for (const [body, field] of [
      [{ url: 'ftp://x' }, 'url'],
      [{ url: 'http://u:p@example.com/' }, 'url'],
      [{ events: [] }, 'events'],
      [{ events: ['release.exploded'] }, 'events'],
      [{ templates: [] }, 'templates'],
      [{ inventories: ['no spaces allowed'] }, 'inventories'],
      [{ format: 'xml' }, 'format'],
      [{ enabled: 'yes' }, 'enabled'],
      [{ secret: 'whsec_mine' }, 'secret'],
      [{}, 'at least one field'],
    ] as const) {
      const { status, text } = await patch(endpoint.id, body);
      expect(status, text).toBe(400);
      expect(text).toContain(field);
    }
    expect((await client.request<WebhookEndpoint>('GET', `/api/v1/webhooks/${endpoint.id}`)).body).toEqual(before);
    expect((await patch(999_999, { enabled: false })).status).toBe(404);
    expect((await auditOf(endpoint.id)).map((e) => e.action)).toEqual(['webhook.create']);
  });

  it('PATCH: disabling holds its pending deliveries; a new URL applies to them and enabling sends them there; filters change; audited with before and after', { timeout: 60_000 }, async () => {
    const endpoint = await register('/edit-old');
    receiver.answer('/edit-old', 500);
    const release = await scheduled();
    const [waiting] = await waitFor('a delivery waiting for its retry', async () => {
      const found = await pending(endpoint.id);
      return found.length === 1 ? found : undefined;
    });
    const disabled = await patch(endpoint.id, { enabled: false });
    expect(disabled.status, disabled.text).toBe(200);
    expect(webhookBody.parse(disabled.body)).toMatchObject({ enabled: false, disabledReason: 'disabled by bootstrap' });
    const changed = await patch(endpoint.id, { url: `http://127.0.0.1:${receiver.port}/edit-new`, events: ['release.queued', 'release.cancelled'], templates: ['hello'], format: 'standard' });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ url: `http://127.0.0.1:${receiver.port}/edit-new`, events: ['release.queued', 'release.cancelled'], templates: ['hello'], enabled: false });
    receiver.secrets.set('/edit-new', endpoint.secret);
    // Due now, but held while the endpoint is disabled.
    expect((await client.request('POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${waiting.id}/redeliver`)).status).toBe(200);
    expect((await patch(endpoint.id, { enabled: true })).body).toMatchObject({ enabled: true, disabledReason: null });
    const [got] = await waitFor('the held delivery at the new URL', () => (receiver.on('/edit-new').length > 0 ? receiver.on('/edit-new') : undefined));
    expect(got.verified).toBe(true);
    expect(got.webhookId).toBe(waiting.webhookId);
    expect((got.body.data as { release: { id: number } }).release.id).toBe(release.id);
    expect(receiver.on('/edit-old')).toHaveLength(1);
    // A filter naming another template: hello's next release writes nothing for this endpoint.
    expect((await patch(endpoint.id, { templates: ['other-template'] })).status).toBe(200);
    await scheduled();
    expect((await client.request<WebhookDelivery[]>('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`)).body).toHaveLength(1);
    expect((await patch(endpoint.id, { templates: null })).body.templates).toBeNull();
    const audit = await auditOf(endpoint.id);
    expect(audit.map((e) => e.action)).toEqual(['webhook.update', 'webhook.update', 'webhook.update', 'webhook.redeliver', 'webhook.update', 'webhook.update', 'webhook.create']);
    expect(audit[4].details).toMatchObject({
      changed: ['url', 'events', 'templates'],
      before: { url: `http://127.0.0.1:${receiver.port}/edit-old`, events: ['release.queued'], templates: null },
      after: { url: `http://127.0.0.1:${receiver.port}/edit-new`, templates: ['hello'] },
    });
    expect(JSON.stringify(audit)).not.toContain(endpoint.secret);
  });

  it('DELETE: removes the endpoint, its secrets and its deliveries; the pending ones are never sent; audited; 404 after', { timeout: 60_000 }, async () => {
    const endpoint = await register('/deleted');
    receiver.answer('/deleted', 500);
    await scheduled();
    await scheduled();
    await waitFor('two deliveries waiting for their retry', async () => (await pending(endpoint.id)).length === 2);
    const deleted = await client.request('DELETE', `/api/v1/webhooks/${endpoint.id}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toEqual({ id: endpoint.id, pendingDropped: 2 });
    expect((await client.request('GET', `/api/v1/webhooks/${endpoint.id}`)).status).toBe(404);
    expect((await client.request('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`)).status).toBe(404);
    expect((await client.request('DELETE', `/api/v1/webhooks/${endpoint.id}`)).status).toBe(404);
    const [left] = await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?', [endpoint.id]);
    expect(Number(left?.n)).toBe(0);
    // A live endpoint registered after it gets the next event, the deleted one nothing, ever.
    await register('/after-delete');
    const release = await scheduled();
    await waitFor('the live endpoint served', () => receiver.on('/after-delete').some((r) => (r.body.data as { release: { id: number } }).release.id === release.id));
    expect(receiver.on('/deleted')).toHaveLength(2);
    const audit = await auditOf(endpoint.id);
    expect(audit[0]).toMatchObject({ action: 'webhook.delete', details: { url: endpoint.url, pendingDropped: 2 } });
  });

  it('the CLI changes an endpoint (webhook set) and deletes it (webhook rm)', { timeout: 60_000 }, async () => {
    const cli = async (...args: string[]) => startCli(args, { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: env.bootstrapToken }).done;
    const endpoint = await register('/cli-edit');
    const set = await cli('webhook', 'set', String(endpoint.id), '--event', 'release.queued,release.failed', '--inventory', 'local', '--format', 'slack', '--disable');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`webhook ${endpoint.id}`);
    expect((await client.request<WebhookEndpoint>('GET', `/api/v1/webhooks/${endpoint.id}`)).body).toMatchObject({
      events: ['release.queued', 'release.failed'],
      inventories: ['local'],
      format: 'slack',
      enabled: false,
    });
    const refused = await cli('webhook', 'set', String(endpoint.id), '--url', 'ftp://nowhere');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('url');
    const back = await cli('--json', 'webhook', 'set', String(endpoint.id), '--all-inventories', '--enable');
    expect(webhookBody.parse(JSON.parse(back.stdout))).toMatchObject({ inventories: null, enabled: true });
    const rm = await cli('webhook', 'rm', String(endpoint.id));
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toContain(`webhook ${endpoint.id} deleted`);
    expect((await client.request('GET', `/api/v1/webhooks/${endpoint.id}`)).status).toBe(404);
  });

  it('a schedule tick skipped in a freeze window reaches the receiver as schedule.tick-skipped, signed, naming schedule, tick and window', { timeout: 60_000 }, async () => {
    const endpoint = await register('/ticks');
    expect((await patch(endpoint.id, { events: ['schedule.tick-skipped'] })).status).toBe(200);
    const endsAt = new Date(Date.now() + 600_000).toISOString();
    const window = await client.request<{ id: number }>('POST', '/api/v1/freezes', { name: 'webhook-freeze', startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt, templates: ['hello'] });
    expect(window.status, window.text).toBe(201);
    const created = await client.request<{ id: number; name: string }>('POST', '/api/v1/schedules', { name: 'frozen-ticks', template: 'hello', cron: '*/2 * * * * *', timeZone: 'UTC' });
    expect(created.status, created.text).toBe(201);
    try {
      const got = await waitFor('a schedule.tick-skipped event', () => receiver.on('/ticks').find((r) => r.body.type === 'schedule.tick-skipped'), { timeoutMs: 30_000 });
      expect(got.verified).toBe(true);
      expect(got.body.data).toMatchObject({
        schedule: { id: created.body.id, name: 'frozen-ticks', template: 'hello', inventory: 'local' },
        tick: { outcome: 'skipped', reason: expect.stringContaining('"webhook-freeze" is in force') as string, window: { name: 'webhook-freeze', endsAt } },
        links: { schedule: expect.stringMatching(new RegExp(`/api/v1/schedules/${created.body.id}$`)) as string },
      });
      const tickAt = (got.body.data as { tick: { at: string } }).tick.at;
      const ticks = await queryDb<{ tick_at: Date; outcome: string }>(env.databaseUrl, 'SELECT tick_at, outcome FROM schedule_ticks WHERE schedule_id = ?', [created.body.id]);
      expect(ticks.find((t) => new Date(t.tick_at).toISOString() === tickAt)?.outcome).toBe('skipped');
    } finally {
      await client.request('POST', `/api/v1/schedules/${created.body.id}/pause`);
      await client.request('DELETE', `/api/v1/freezes/${window.body.id}`);
    }
  });
});

/**
 * kill -9 of the API (issue 23 item 3): right after its reply, and right after the commit of a status
 * change but before its reply (killed as soon as the release's row is visible to another connection).
 * The delivery was committed with the change, so the worker sends every event at least once, and any
 * duplicate carries the same webhook-id.
 */
describe('webhooks survive kill -9 of the API (issue 23)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let db: Connection;
  const receiver = new Receiver();

  beforeAll(async () => {
    env = await createTestEnv('webhooks_api_kill');
    await receiver.start();
    api = await startApi(env.env);
    worker = await startWorker({ ...env.env, WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1', WEBHOOK_POLL_MS: '100' });
    db = await createConnection({ uri: env.databaseUrl });
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await Promise.all([worker?.stop(), api?.stop()]);
    await receiver.stop();
    await env?.cleanup();
  });

  const client = () => new ApiClient(api.url, env.bootstrapToken);
  async function killApi(): Promise<void> {
    api.signal('SIGKILL');
    expect((await api.exited).signal).toBe('SIGKILL');
    api = await startApi(env.env);
  }
  const newestRelease = async () => Number(((await db.query('SELECT COALESCE(MAX(id), 0) AS id FROM releases')) as unknown as [{ id: number }[]])[0][0]?.id ?? 0);

  it('every event reaches the receiver at least once, duplicates with the same webhook-id', { timeout: 240_000 }, async () => {
    const { body: endpoint } = await client().request<CreatedWebhook>('POST', '/api/v1/webhooks', {
      url: `http://127.0.0.1:${receiver.port}/api-kill`,
      events: ['release.queued', 'release.cancelled'],
    });
    receiver.secrets.set('/api-kill', endpoint.secret);
    const runAt = () => new Date(Date.now() + 3_600_000).toISOString();
    const expected: string[] = [];
    let killedBeforeReply = 0;
    for (let round = 0; round < 3; round++) {
      // Killed right after the reply to a create, then right after the reply to a cancel.
      const created = await client().createRelease({ template: 'hello', runAt: runAt() });
      await killApi();
      expected.push(`${created.id} release.queued`);
      const cancelled = await client().request('POST', `/api/v1/releases/${created.id}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
      await killApi();
      expected.push(`${created.id} release.cancelled`);
      // Killed as soon as the release is committed, before (or as) the reply goes out.
      const before = await newestRelease();
      let replied = false;
      const request = client()
        .createRelease({ template: 'hello', runAt: runAt() })
        .then(() => (replied = true))
        .catch(() => undefined);
      const id = await waitFor('the release committed', async () => ((await newestRelease()) > before ? newestRelease() : undefined), { timeoutMs: 30_000, intervalMs: 1 });
      api.signal('SIGKILL');
      await request;
      if (!replied) killedBeforeReply++;
      expect((await api.exited).signal).toBe('SIGKILL');
      api = await startApi(env.env);
      expected.push(`${id} release.queued`);
    }
    const key = (r: Received) => `${(r.body.data as { release: { id: number } }).release.id} ${String(r.body.type)}`;
    await waitFor('every event received', () => expected.every((e) => receiver.on('/api-kill').some((r) => key(r) === e)), { timeoutMs: 60_000 });
    const got = receiver.on('/api-kill');
    expect(got.every((r) => r.verified)).toBe(true);
    // However often an event came, it came with one webhook-id; and different events have different ones.
    const ids = new Map<string, Set<string>>();
    for (const r of got) ids.set(key(r), (ids.get(key(r)) ?? new Set()).add(r.webhookId));
    expect([...ids.values()].every((set) => set.size === 1)).toBe(true);
    expect(new Set(got.map((r) => r.webhookId)).size).toBe(ids.size);
    expect([...ids.keys()].sort()).toEqual([...expected].sort());
    // How many kills landed between the commit and the reply (the race is real; not asserted).
    process.stdout.write(`webhooks api kill -9: ${killedBeforeReply} of 3 commit-time kills came before the reply\n`);
  });
});
