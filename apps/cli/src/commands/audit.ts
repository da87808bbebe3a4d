import { type Command, Option } from 'commander';
import type { AuditEntry } from '@slipway/contracts';
import type { SlipwayHttp } from '../http.js';
import { printJson } from '../output.js';
import { formatTable, localTime, pageSummary } from '../table.js';
import { type GlobalOptions, type ListPage, wholeNumber } from './command-context.js';


type Context = { http: () => SlipwayHttp; globals: () => GlobalOptions };

export function registerAuditCommands(program: Command, ctx: Context): void {
  program
    .command('audit')
    .description('who created, cancelled and re-ran releases and created or revoked tokens, newest first')
    .option('--actor <name>', 'only what this token name did')
    // The API checks the action against its list and names it if unknown.
    .option('--action <action>', 'only this action, e.g. release.create, release.cancel, token.revoke')
    .addOption(new Option('--target-type <type>', 'only entries about releases, tokens, webhooks or the catalog').choices(['release', 'token', 'webhook', 'catalog']))
    .option('--target-id <id>', 'only entries about this release or token id', wholeNumber)
    .option('-n, --limit <n>', 'how many', wholeNumber, '20')
    .option('-b, --before <id>', 'the page older than this entry (the --before printed under the previous page)', wholeNumber)
    .action(async (options: { actor?: string; action?: string; targetType?: string; targetId?: string; limit: string; before?: string }) => {
      const query = new URLSearchParams({ limit: options.limit });
      if (options.before !== undefined) query.set('before', options.before);
      if (options.actor !== undefined) query.set('actor', options.actor);
      if (options.action !== undefined) query.set('action', options.action);
      if (options.targetType !== undefined) query.set('targetType', options.targetType);
      if (options.targetId !== undefined) query.set('targetId', options.targetId);
      const { body } = await ctx.http().request<ListPage<AuditEntry>>('GET', `/api/v1/audit?${query}`);
      if (ctx.globals().json) return printJson(body);
      const rows = body.items.map((e) => [localTime(e.at), e.actor, e.action, `${e.targetType} ${e.targetId}`, summarise(e.details)]);
      process.stdout.write(`${formatTable(['at', 'actor', 'action', 'target', 'details'], rows)}\n`);
      process.stdout.write(`${pageSummary(body.items.length, body.nextBefore, options.before !== undefined)}\n`);
    });
}

/** `template=hello inventory=local`: the details' plain fields, on one line. */
function summarise(details: Record<string, unknown>): string {
  return Object.entries(details ?? {})
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}
