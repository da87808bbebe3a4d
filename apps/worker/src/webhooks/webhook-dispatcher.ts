import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { type StoredWebhookEvent, unsealWebhookSecret } from '@slipway/releases';
import { AddressGuard } from './address-guard.js';
import { retryDelayMs } from './webhook-backoff.js';
import { type AttemptOutcome, type AttemptVerdict, type ClaimedDelivery, WebhookDeliveryStore } from './webhook-delivery.store.js';
import { type SendResult, WebhookSender } from './webhook-sender.js';

/** Outcomes one recording transaction writes at most. */
const RECORD_BATCH = 500;
/** A claim outlives the attempt's timeout by this much before another sender may take the delivery. */
const LEASE_MARGIN_MS = 5_000;
/** How long one pass goes on claiming batches of a backlog. */
const PASS_BUDGET_MS = 5_000;

/**
 * One pass of the webhook-delivery kind: claims the due deliveries, signs each (Standard Webhooks,
 * with every secret that signs now: both during a rotation's overlap), sends it and records the attempt.
 * 2xx delivered; 410 Gone disables the endpoint; anything else is retried on the schedule of
 * webhook-backoff.ts until WEBHOOK_MAX_ATTEMPTS, then the delivery is dead.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private readonly sender: WebhookSender;
  /** Outcomes waiting for the recording transaction now running to end (group commit). */
  private waiting: { outcome: AttemptOutcome; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private recording: Promise<void> | null = null;

  constructor(
    private readonly store: WebhookDeliveryStore,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {
    this.sender = new WebhookSender(new AddressGuard(config.webhooks.allowedAddresses), config.webhooks.timeoutMs);
  }

  /**
   * Batch after batch (WEBHOOK_BATCH_SIZE claimed in one statement, sent side by side) while full ones
   * come (a backlog goes at the receivers' pace, not one batch per WEBHOOK_POLL_MS), for at most
   * PASS_BUDGET_MS: then the job ends and the next pass goes on. WEBHOOK_CONCURRENCY passes run side by
   * side in one worker, so at most WEBHOOK_CONCURRENCY × WEBHOOK_BATCH_SIZE deliveries are in flight.
   */
  async pass(): Promise<void> {
    const until = Date.now() + PASS_BUDGET_MS;
    const batch = this.config.webhooks.batchSize;
    for (;;) {
      const claimed = await this.store.claimDue(batch, this.config.webhooks.timeoutMs + LEASE_MARGIN_MS);
      await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
      if (claimed.length < batch || Date.now() >= until) return;
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    let result: SendResult;
    try {
      const body = this.body(delivery);
      const timestamp = new Date();
      result = await this.sender.send(delivery.endpoint.url, {
        'webhook-id': delivery.messageId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': this.signature(delivery, timestamp, body),
      }, body);
    } catch (error) {
      // The secret could not be opened (SLIPWAY_SECRET_KEY missing or rotated away): never sent unsigned.
      result = { statusCode: null, latencyMs: 0, error: (error as Error).message, responseHead: null };
    }
    await this.record({ delivery, result, verdict: this.verdict(delivery, result) });
  }

  /**
   * Group commit: an outcome waits for the recording transaction now running (if any), then goes with
   * every other outcome that arrived meanwhile in the next one (WebhookDeliveryStore.recordAll). Quiet,
   * an outcome is written at once; busy, hundreds share one transaction. Resolves once it is committed.
   */
  private record(outcome: AttemptOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ outcome, resolve, reject });
      this.recording ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, RECORD_BATCH);
      try {
        await this.store.recordAll(batch.map((w) => w.outcome));
        for (const w of batch) w.resolve();
      } catch (error) {
        // Not recorded: each stays claimed until its lease lapses, then is sent again (same webhook-id).
        for (const w of batch) w.reject(error);
      }
    }
    this.recording = null;
  }

  private verdict(delivery: ClaimedDelivery, result: SendResult): AttemptVerdict {
    const code = result.statusCode;
    if (code !== null && code >= 200 && code < 300) return { kind: 'delivered' };
    if (code === 410) return { kind: 'gone', error: 'the receiver answered 410 Gone: endpoint disabled' };
    const error = code !== null ? `the receiver answered ${code}` : (result.error ?? 'failed');
    if (delivery.attempt >= this.config.webhooks.maxAttempts) {
      this.logger.warn(`webhook delivery ${delivery.id} to endpoint ${delivery.endpoint.id} is dead after ${delivery.attempt} attempts: ${error}`);
      return { kind: 'dead', error: `${error} (after ${delivery.attempt} attempts)` };
    }
    return { kind: 'retry', at: new Date(Date.now() + retryDelayMs(delivery.attempt, this.config.webhooks.retryBaseMs)), error };
  }

  /** Every secret that signs now, space-separated, as the spec allows for a rotation. */
  private signature(delivery: ClaimedDelivery, timestamp: Date, body: string): string {
    const keys = this.config.secretKeys;
    const secrets = [unsealWebhookSecret(delivery.endpoint.secretSealed, keys)];
    const { previousSecretSealed, previousSecretUntil } = delivery.endpoint;
    if (previousSecretSealed && previousSecretUntil && previousSecretUntil.getTime() > Date.now()) {
      secrets.push(unsealWebhookSecret(previousSecretSealed, keys));
    }
    return secrets.map((secret) => new Webhook(secret).sign(delivery.messageId, timestamp, body)).join(' ');
  }

  /** The payload as sent: links made absolute; for a chat endpoint, a Slack-compatible message instead. */
  private body(delivery: ClaimedDelivery): string {
    const event = JSON.parse(delivery.payload) as StoredWebhookEvent;
    const base = this.config.webhooks.publicUrl;
    const links = Object.fromEntries(Object.entries(event.data.links).map(([name, path]) => [name, base + path])) as Record<string, string>;
    if (delivery.endpoint.format === 'slack') return JSON.stringify({ text: chatText(event, links) });
    return JSON.stringify({ ...event, data: { ...event.data, links } });
  }

  onModuleDestroy(): void {
    this.sender.close();
  }
}

/** The one line a chat room gets for an event. */
function chatText(event: StoredWebhookEvent, links: Record<string, string>): string {
  if ('schedule' in event.data) {
    const { schedule, tick } = event.data;
    const why = tick.window ? `freeze window "${tick.window.name}" in force until ${tick.window.endsAt}` : tick.reason;
    return `Schedule ${schedule.name} (${schedule.template} on ${schedule.inventory}): tick ${tick.at} ${tick.outcome} — ${why} <${links.dashboard}|open>`;
  }
  const r = event.data.release;
  const approval = event.data.approval;
  const what = !approval
    ? event.type.replace('release.', '')
    : approval.decision
      ? `approval ${approval.decision}${approval.by ? ` by ${approval.by}` : ''}`
      : `awaits approval (${approval.required} approver${approval.required === 1 ? '' : 's'}, until ${approval.expiresAt})`;
  return `Release ${r.id} (${r.template} on ${r.inventory}) ${what}${r.reason ? `: ${r.reason}` : ''} — requested by ${r.actor} <${links.dashboard}|open>`;
}
