import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CreatedWebhook, DeletedWebhook, Webhook, WebhookDelivery } from '@slipway/contracts';
import type { SlipwayHttp } from '../http.js';
import { note, printJson } from '../output.js';
import { formatTable, localTime } from '../table.js';
import type { GlobalOptions } from './command-context.js';

type Context = { http: () => SlipwayHttp; globals: () => GlobalOptions };

const id = (what: string) => (value: string) => {
  if (!/^\d{1,10}$/.test(value)) throw new InvalidArgumentError(`must be a ${what} id (a whole number)`);
  return Number(value);
};
const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

/** `slipway webhook …`: endpoints that are told when releases change status (admin). */
export function registerWebhookCommands(program: Command, ctx: Context): void {
  const webhook = program.command('webhook').description('webhook endpoints told of release status changes (admin)');

  webhook
    .command('create')
    .description('register an endpoint; its signing secret is printed once and cannot be shown again')
    .requiredOption('--url <url>', 'where to POST (http or https)')
    .requiredOption('--event <type...>', 'event types, e.g. release.succeeded,release.failed (repeatable)', collect)
    .option('--template <name...>', 'only releases of these templates', collect)
    .option('--inventory <name...>', 'only releases on these inventories', collect)
    .addOption(new Option('--format <format>', 'payload format').choices(['standard', 'slack']))
    .action(async (options: { url: string; event: string[]; template?: string[]; inventory?: string[]; format?: string }) => {
      const { body } = await ctx.http().request<CreatedWebhook>('POST', '/api/v1/webhooks', {
        url: options.url,
        events: options.event,
        ...(options.template ? { templates: options.template } : {}),
        ...(options.inventory ? { inventories: options.inventory } : {}),
        ...(options.format ? { format: options.format } : {}),
      });
      if (ctx.globals().json) return printJson(body);
      // stdout holds the secret alone, so `SECRET=$(slipway webhook create …)` works.
      process.stdout.write(`${body.secret}\n`);
      note(`webhook ${body.id} → ${body.url} created; store its secret now, it is not shown again`);
    });

  webhook
    .command('list')
    .description('every endpoint (never its secrets)')
    .action(async () => {
      const { body } = await ctx.http().request<Webhook[]>('GET', '/api/v1/webhooks');
      if (ctx.globals().json) return printJson(body);
      const rows = body.map((w) => [String(w.id), w.url, w.events.join(','), w.enabled ? 'enabled' : `disabled: ${w.disabledReason ?? ''}`, w.format]);
      process.stdout.write(`${formatTable(['id', 'url', 'events', 'state', 'format'], rows)}\n`);
    });

  webhook
    .command('set')
    .description('change an endpoint: only the options given change (the others stay as they are)')
    .argument('<id>', 'webhook id', id('webhook'))
    .option('--url <url>', 'where to POST (http or https)')
    .option('--event <type...>', 'event types, replacing the current ones (repeatable)', collect)
    .option('--template <name...>', 'only releases of these templates', collect)
    .option('--all-templates', 'releases of every template again')
    .option('--inventory <name...>', 'only releases on these inventories', collect)
    .option('--all-inventories', 'releases on every inventory again')
    .addOption(new Option('--format <format>', 'payload format').choices(['standard', 'slack']))
    .option('--enable', 'send again (its held deliveries go out)')
    .option('--disable', 'stop sending; its deliveries wait until it is enabled')
    .action(
      async (
        webhookId: number,
        options: { url?: string; event?: string[]; template?: string[]; allTemplates?: boolean; inventory?: string[]; allInventories?: boolean; format?: string; enable?: boolean; disable?: boolean },
      ) => {
        const change: Record<string, unknown> = {};
        if (options.url !== undefined) change.url = options.url;
        if (options.event) change.events = options.event;
        if (options.template) change.templates = options.template;
        if (options.allTemplates) change.templates = null;
        if (options.inventory) change.inventories = options.inventory;
        if (options.allInventories) change.inventories = null;
        if (options.format) change.format = options.format;
        if (options.enable) change.enabled = true;
        if (options.disable) change.enabled = false;
        const { body } = await ctx.http().request<Webhook>('PATCH', `/api/v1/webhooks/${webhookId}`, change);
        if (ctx.globals().json) return printJson(body);
        process.stdout.write(`webhook ${body.id} → ${body.url} updated (${body.events.join(',')}; ${body.enabled ? 'enabled' : `disabled: ${body.disabledReason ?? ''}`})\n`);
      },
    );

  webhook
    .command('delete')
    .alias('rm')
    .description('remove an endpoint, its secrets and its deliveries; the ones not yet delivered are never sent')
    .argument('<id>', 'webhook id', id('webhook'))
    .action(async (webhookId: number) => {
      const { body } = await ctx.http().request<DeletedWebhook>('DELETE', `/api/v1/webhooks/${webhookId}`);
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`webhook ${body.id} deleted (${body.pendingDropped} pending deliveries dropped)\n`);
    });

  webhook
    .command('rotate-secret')
    .description('a new signing secret (printed once); the old one keeps signing beside it for the overlap')
    .argument('<id>', 'webhook id', id('webhook'))
    .option('--overlap-hours <hours>', 'how long the old secret keeps signing (default 24)', id('hour count'))
    .action(async (webhookId: number, options: { overlapHours?: number }) => {
      const { body } = await ctx.http().request<CreatedWebhook>('POST', `/api/v1/webhooks/${webhookId}/rotate-secret`, options.overlapHours === undefined ? {} : { overlapHours: options.overlapHours });
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`${body.secret}\n`);
      note(`webhook ${body.id}: new secret; the previous one also signs until ${body.previousSecretUntil ? localTime(body.previousSecretUntil) : 'now'}`);
    });

  webhook
    .command('enable')
    .description('send to an endpoint again after it was disabled (410 Gone)')
    .argument('<id>', 'webhook id', id('webhook'))
    .action(async (webhookId: number) => {
      const { body } = await ctx.http().request<Webhook>('POST', `/api/v1/webhooks/${webhookId}/enable`);
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`webhook ${body.id} enabled\n`);
    });

  webhook
    .command('deliveries')
    .description("an endpoint's newest deliveries and their attempts")
    .argument('<id>', 'webhook id', id('webhook'))
    .action(async (webhookId: number) => {
      const { body } = await ctx.http().request<WebhookDelivery[]>('GET', `/api/v1/webhooks/${webhookId}/deliveries`);
      if (ctx.globals().json) return printJson(body);
      const rows = body.map((d) => {
        const last = d.attemptLog.at(-1);
        return [String(d.id), d.eventType, d.releaseId === null ? '' : String(d.releaseId), d.state, String(d.attempts), last ? (last.statusCode === null ? (last.error ?? '') : String(last.statusCode)) : '', d.webhookId];
      });
      process.stdout.write(`${formatTable(['id', 'event', 'release', 'state', 'attempts', 'last answer', 'webhook-id'], rows)}\n`);
    });

  webhook
    .command('redeliver')
    .description('send a delivery again (same webhook-id), whatever became of it')
    .argument('<id>', 'webhook id', id('webhook'))
    .argument('<delivery>', 'delivery id (see `slipway webhook deliveries`)', id('delivery'))
    .action(async (webhookId: number, deliveryId: number) => {
      const { body } = await ctx.http().request<WebhookDelivery>('POST', `/api/v1/webhooks/${webhookId}/deliveries/${deliveryId}/redeliver`);
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`delivery ${body.id} of webhook ${webhookId} queued again\n`);
    });
}
