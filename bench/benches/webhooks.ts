import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../test/support/wait-for.js';
import { type BenchResult, machineInfo, runInfo } from '../lib/report.js';
import { Stack } from '../lib/stack.js';
import { distribution, round } from '../lib/stats.js';

export interface WebhooksOptions {
  /** Releases queued one after the other on a quiet system: status change → delivery received. */
  latencySamples: number;
  /** Deliveries put in the outbox at once, then sent as fast as the workers go. */
  rateDeliveries: number;
  /** Deliveries made while the receiver is down, and how long it stays down. */
  outageDeliveries: number;
  outageSeconds: number;
}

/** A local receiver: 200 (or 503 while `down`), noting when each webhook-id first arrived with a 200. */
class Receiver {
  readonly delivered = new Map<string, number>();
  readonly bodies = new Map<string, string>();
  down = false;
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        if (this.down) return void response.writeHead(503).end();
        const id = String(request.headers['webhook-id']);
        if (!this.delivered.has(id)) {
          this.delivered.set(id, Date.now());
          this.bodies.set(id, Buffer.concat(chunks).toString('utf8'));
        }
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<unknown> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

/** Puts `count` deliveries for `endpointId` straight into the outbox (what `count` status changes write). */
async function fillOutbox(stack: Stack, endpointId: number, count: number, tag: string): Promise<void> {
  const payload = JSON.stringify({ type: 'release.queued', timestamp: new Date().toISOString(), data: { release: { id: 0 }, links: { release: '/', log: '/', dashboard: '/' } } });
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    const now = new Date();
    await stack.query(
      `INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, payload, state, attempts, next_attempt_at, created_at)
       VALUES ${Array.from({ length: n }, () => "(?, ?, 'release.queued', ?, 'pending', 0, ?, ?)").join(', ')}`,
      Array.from({ length: n }, (_, i) => [endpointId, `msg_${tag}_${start + i}`, payload, now, now]).flat(),
    );
  }
}

/**
 * Webhooks (issue 23): status change → delivery received (p99), deliveries per second to a local receiver,
 * and a receiver down for a while then back: every event arrives, none lost. Releases are scheduled an
 * hour ahead so each makes its "queued" event without running a playbook.
 */
export async function benchWebhooks(options: WebhooksOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machineAtStart = machineInfo();
  const receiver = new Receiver();
  await receiver.start();
  const retryBaseMs = 500;
  const stack = await Stack.start({ name: 'webhooks', workers: 1, workerEnv: { WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: String(retryBaseMs), WEBHOOK_CONCURRENCY: '4' } });
  try {
    const { body: endpoint } = await stack.client.request<{ id: number }>('POST', '/api/v1/webhooks', {
      url: `http://127.0.0.1:${receiver.port}/hook`,
      events: ['release.queued'],
    });
    const runAt = new Date(Date.now() + 3_600_000).toISOString();

    const latencies: number[] = [];
    for (let i = 0; i < options.latencySamples; i++) {
      const created = await stack.client.createRelease({ template: 'stub-0', runAt });
      const at = await waitFor('the queued event', () => {
        for (const [id, receivedAt] of receiver.delivered) {
          const event = JSON.parse(receiver.bodies.get(id) ?? '{}') as { data?: { release?: { id: number; createdAt: string } } };
          if (event.data?.release?.id === created.id) return receivedAt - new Date(event.data.release.createdAt).getTime();
        }
        return undefined;
      }, { timeoutMs: 30_000, intervalMs: 5 });
      latencies.push(at);
    }
    const latency = distribution(latencies);

    const rateStart = Date.now();
    await fillOutbox(stack, endpoint.id, options.rateDeliveries, 'rate');
    await waitFor('every delivery received', () => [...receiver.delivered.keys()].filter((k) => k.startsWith('msg_rate_')).length >= options.rateDeliveries, { timeoutMs: 600_000, intervalMs: 20 });
    const rateLast = Math.max(...[...receiver.delivered].filter(([k]) => k.startsWith('msg_rate_')).map(([, t]) => t));
    const rate = options.rateDeliveries / ((rateLast - rateStart) / 1000);

    receiver.down = true;
    await fillOutbox(stack, endpoint.id, options.outageDeliveries, 'outage');
    await new Promise((resolve) => setTimeout(resolve, options.outageSeconds * 1000));
    receiver.down = false;
    const back = Date.now();
    const outageReceived = () => [...receiver.delivered.keys()].filter((k) => k.startsWith('msg_outage_')).length;
    await waitFor('every event after the outage', () => outageReceived() >= options.outageDeliveries, { timeoutMs: 600_000, intervalMs: 50 }).catch(() => undefined);
    const lost = options.outageDeliveries - outageReceived();
    const catchUpMs = Date.now() - back;

    return {
      bench: 'webhooks',
      title: 'Webhooks: status change → delivery, delivery rate, a receiver down then back',
      ...(await runInfo(startedAt, machineAtStart, stack)),
      settings: { ...options, workers: 1, webhookConcurrency: 4, webhookBatchSize: 100, retryBaseMs, pollMs: 500 },
      figures: [
        { figure: 'status change committed → delivery received (quiet machine)', unit: 'ms', median: round(latency.p50, 1), p99: round(latency.p99, 1), target: 'p99 ≤ 1000 ms', met: latency.p99 <= 1000 },
        { figure: 'deliveries per second to a local receiver', unit: '/s', value: round(rate, 0), target: '≥ 500/s', met: rate >= 500 },
        {
          figure: `events lost while the receiver was down ${options.outageSeconds} s`,
          unit: '',
          value: lost,
          target: '0 lost',
          met: lost === 0,
          note: `${options.outageDeliveries} deliveries; all in ${round(catchUpMs / 1000, 1)} s after it came back (retry base ${retryBaseMs} ms)`,
        },
      ],
      distributions: { latency },
    };
  } finally {
    await stack.close();
    await receiver.stop();
  }
}
