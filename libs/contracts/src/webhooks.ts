import { z } from 'zod';
import { isoTime } from './common.js';
import { WEBHOOK_DELIVERY_STATES, WEBHOOK_EVENT_TYPES, WEBHOOK_FORMATS } from './enums.js';
import { named } from './registry.js';

/** A URL a webhook may be sent to: http or https only, no credentials in it (they would be stored in clear). */
const webhookUrl = z
  .string({ message: 'url must be a string' })
  .max(2048, { message: 'url must be at most 2048 characters' })
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
      } catch {
        return false;
      }
    },
    { message: 'url must be an http:// or https:// URL without user or password' },
  )
  .meta({ example: 'https://ci.example.com/hooks/slipway' });

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const nameFilter = (field: string) =>
  z
    .array(z.string().regex(NAME, { message: `each of ${field} must be a template or inventory name` }), { message: `${field} must be a list of names` })
    .min(1, { message: `${field} must list at least one name (leave it out for all)` })
    .max(100, { message: `${field} may list at most 100 names` })
    .nullable()
    .optional();

const endpointFields = {
  url: webhookUrl,
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES, { message: `each event must be one of: ${WEBHOOK_EVENT_TYPES.join(', ')}` }), {
      message: 'events must be a list of event types',
    })
    .min(1, { message: 'events must list at least one event type' }),
  templates: nameFilter('templates').meta({ description: 'Only releases of these templates (all when absent)' }),
  inventories: nameFilter('inventories').meta({ description: 'Only releases on these inventories (all when absent)' }),
  format: z.enum(WEBHOOK_FORMATS, { message: `format must be one of: ${WEBHOOK_FORMATS.join(', ')}` }).optional(),
};

/** `POST /api/v1/webhooks` body. */
export const createWebhookRequest = named('CreateWebhookRequest', z.strictObject(endpointFields));
export type CreateWebhookRequest = z.infer<typeof createWebhookRequest>;

/**
 * `PATCH /api/v1/webhooks/:id` body: the fields to change, validated as at creation (templates or
 * inventories `null`: all of them again); `enabled` turns sending off or back on. Last writer wins.
 */
export const updateWebhookRequest = named(
  'UpdateWebhookRequest',
  z
    .strictObject({
      url: endpointFields.url.optional(),
      events: endpointFields.events.optional(),
      templates: endpointFields.templates,
      inventories: endpointFields.inventories,
      format: endpointFields.format,
      enabled: z.boolean({ message: 'enabled must be true or false' }).optional(),
    })
    .refine((body) => Object.keys(body).length > 0, { message: 'body must name at least one field to change (url, events, templates, inventories, format, enabled)' }),
);
export type UpdateWebhookRequest = z.infer<typeof updateWebhookRequest>;

/** `DELETE /api/v1/webhooks/:id` answer. */
export const deletedWebhookBody = named(
  'DeletedWebhookBody',
  z.strictObject({
    id: z.number().int(),
    pendingDropped: z.number().int().meta({ description: 'Deliveries not yet delivered that were removed with the endpoint (never sent)' }),
  }),
);
export type DeletedWebhook = z.infer<typeof deletedWebhookBody>;

/** An endpoint as listed: never its secrets. */
export const webhookBody = named(
  'WebhookBody',
  z.strictObject({
    id: z.number().int(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    templates: z.array(z.string()).nullable(),
    inventories: z.array(z.string()).nullable(),
    format: z.enum(WEBHOOK_FORMATS),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().meta({ description: 'Why Slipway stopped sending (e.g. the receiver answered 410 Gone)' }),
    previousSecretUntil: isoTime.nullable().meta({ description: 'Until then the previous secret signs too (a rotation overlap)' }),
    createdAt: isoTime,
    createdBy: z.string(),
  }),
);
export type Webhook = z.infer<typeof webhookBody>;

export const webhookList = named('WebhookList', z.array(webhookBody), 'Every webhook endpoint');

/** `POST /api/v1/webhooks` 201 and a rotation's answer: the endpoint and its new secret, shown this once. */
export const createdWebhookBody = named(
  'CreatedWebhookBody',
  z.strictObject({
    ...webhookBody.shape,
    secret: z.string().meta({ example: 'whsec_…', description: 'The signing secret: shown this once, stored sealed' }),
  }),
);
export type CreatedWebhook = z.infer<typeof createdWebhookBody>;

/** `POST /api/v1/webhooks/:id/rotate-secret` body. */
export const rotateWebhookSecretRequest = named(
  'RotateWebhookSecretRequest',
  z.strictObject({
    overlapHours: z
      .number({ message: 'overlapHours must be a number' })
      .int({ message: 'overlapHours must be a whole number' })
      .min(0, { message: 'overlapHours must be at least 0' })
      .max(720, { message: 'overlapHours must be at most 720' })
      .optional()
      .meta({ description: 'How long the old secret keeps signing beside the new one (default 24)' }),
  }),
);
export type RotateWebhookSecretRequest = z.infer<typeof rotateWebhookSecretRequest>;

export const webhookAttemptBody = named(
  'WebhookAttemptBody',
  z.strictObject({
    attempt: z.number().int(),
    at: isoTime,
    statusCode: z.number().int().nullable(),
    latencyMs: z.number().int(),
    error: z.string().nullable(),
    responseHead: z.string().nullable().meta({ description: 'The first bytes of the answer' }),
  }),
);
export type WebhookAttempt = z.infer<typeof webhookAttemptBody>;

export const webhookDeliveryBody = named(
  'WebhookDeliveryBody',
  z.strictObject({
    id: z.number().int(),
    webhookId: z.string().meta({ description: 'The Standard Webhooks webhook-id: the same on every attempt and redelivery' }),
    eventType: z.enum(WEBHOOK_EVENT_TYPES),
    releaseId: z.number().int().nullable(),
    state: z.enum(WEBHOOK_DELIVERY_STATES),
    attempts: z.number().int(),
    nextAttemptAt: isoTime.nullable(),
    lastError: z.string().nullable(),
    createdAt: isoTime,
    finishedAt: isoTime.nullable(),
    attemptLog: z.array(webhookAttemptBody),
  }),
);
export type WebhookDelivery = z.infer<typeof webhookDeliveryBody>;

export const webhookDeliveryList = named('WebhookDeliveryList', z.array(webhookDeliveryBody), 'The newest 100 deliveries of an endpoint');
