import { type Command, InvalidArgumentError } from 'commander';
import type { FreezeWindow } from '@slipway/contracts';
import type { SlipwayHttp } from '../http.js';
import { printJson } from '../output.js';
import { formatTable, localTime } from '../table.js';
import type { GlobalOptions } from './command-context.js';

type Context = { http: () => SlipwayHttp; globals: () => GlobalOptions };

const commaList = (value: string) => value.split(',').map((s) => s.trim()).filter((s) => s !== '');

function when(window: FreezeWindow): string {
  if (window.kind === 'one-off') return `${localTime(window.startsAt)} → ${localTime(window.endsAt)}`;
  return `${window.cron} (${window.timeZone}) for ${window.durationMinutes} min`;
}

export function registerFreezeCommands(program: Command, ctx: Context): void {
  const freeze = program.command('freeze').description('freeze windows: no launch while one is in force (admins define them)');

  freeze
    .command('list')
    .description('every freeze window')
    .action(async () => {
      const { body } = await ctx.http().request<FreezeWindow[]>('GET', '/api/v1/freezes');
      if (ctx.globals().json) return printJson(body);
      const rows = body.map((w) => [String(w.id), w.name, w.kind, when(w), w.templates?.join(',') ?? 'all', w.inventories?.join(',') ?? 'all', w.createdBy]);
      process.stdout.write(`${formatTable(['id', 'name', 'kind', 'when', 'templates', 'inventories', 'created by'], rows)}\n`);
    });

  freeze
    .command('create')
    .description('one-off (--from, --to) or recurring (--cron, --duration, --tz)')
    .requiredOption('--name <name>', 'its name (shown in every refusal)')
    .option('--from <time>', 'one-off: ISO 8601 start')
    .option('--to <time>', 'one-off: ISO 8601 end')
    .option('--cron <expr>', 'recurring: when each occurrence starts')
    .option('--duration <minutes>', 'recurring: how long each lasts, in minutes', (v: string) => {
      if (!/^\d{1,6}$/.test(v)) throw new InvalidArgumentError('must be a whole number of minutes');
      return Number(v);
    })
    .option('--tz <zone>', "recurring: the cron's IANA time zone")
    .option('--templates <names>', 'only these templates, comma separated (default: all)', commaList)
    .option('--inventories <names>', 'only these inventories, comma separated (default: all)', commaList)
    .action(async (options: { name: string; from?: string; to?: string; cron?: string; duration?: number; tz?: string; templates?: string[]; inventories?: string[] }) => {
      const body = {
        name: options.name,
        ...(options.from !== undefined ? { startsAt: options.from } : {}),
        ...(options.to !== undefined ? { endsAt: options.to } : {}),
        ...(options.cron !== undefined ? { cron: options.cron } : {}),
        ...(options.duration !== undefined ? { durationMinutes: options.duration } : {}),
        ...(options.tz !== undefined ? { timeZone: options.tz } : {}),
        ...(options.templates ? { templates: options.templates } : {}),
        ...(options.inventories ? { inventories: options.inventories } : {}),
      };
      const { body: created } = await ctx.http().request<FreezeWindow>('POST', '/api/v1/freezes', body);
      if (ctx.globals().json) return printJson(created);
      process.stdout.write(`freeze window ${created.id} "${created.name}" created: ${when(created)}\n`);
    });

  freeze
    .command('delete')
    .description('delete a freeze window')
    .argument('<id>', 'freeze window id', (v: string) => {
      if (!/^\d{1,10}$/.test(v)) throw new InvalidArgumentError('must be a freeze window id (a whole number)');
      return Number(v);
    })
    .action(async (id: number) => {
      const { body } = await ctx.http().request<FreezeWindow>('DELETE', `/api/v1/freezes/${id}`);
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`freeze window ${body.id} "${body.name}" deleted\n`);
    });
}
