import { Injectable } from '@nestjs/common';
import type { JobKindHandler } from '../jobs/job-kind-handler.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

/**
 * The webhook-delivery kind (WEBHOOK_DELIVERY_KIND): one pass over the due deliveries per job. Abandon-
 * safely at shutdown: a delivery cut short keeps its claim until the lease lapses, then any worker sends
 * it again with the same webhook-id (at least once; receivers deduplicate by webhook-id).
 */
@Injectable()
export class WebhookDeliveryProcessor implements JobKindHandler<Record<string, never>> {
  constructor(private readonly dispatcher: WebhookDispatcher) {}

  process(): Promise<void> {
    return this.dispatcher.pass();
  }
}
