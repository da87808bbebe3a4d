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
    .command('edit')
    .description('change a freeze window: the options given replace its own; the result is checked as a new window is')
    .argument('<id>', 'freeze window id', (v: string) => {
      if (!/^\d{1,10}$/.test(v)) throw new InvalidArgumentError('must be a freeze window id (a whole number)');
      return Number(v);
    })
    .option('--name <name>', 'a new name')
    .option('--from <time>', 'one-off: ISO 8601 start (with --to; turns a recurring window into a one-off one)')
    .option('--to <time>', 'one-off: ISO 8601 end')
    .option('--cron <expr>', 'recurring: when each occurrence starts (with --duration and --tz on a one-off window)')
    .option('--duration <minutes>', 'recurring: how long each lasts, in minutes', (v: string) => {
      if (!/^\d{1,6}$/.test(v)) throw new InvalidArgumentError('must be a whole number of minutes');
      return Number(v);
    })
    .option('--tz <zone>', "recurring: the cron's IANA time zone")
    .option('--templates <names>', 'only these templates, comma separated ("all": every template)', commaList)
    .option('--inventories <names>', 'only these inventories, comma separated ("all": every inventory)', commaList)
    .action(async (id: number, options: { name?: string; from?: string; to?: string; cron?: string; duration?: number; tz?: string; templates?: string[]; inventories?: string[] }) => {
      const oneOff = options.from !== undefined || options.to !== undefined;
      const recurring = options.cron !== undefined || options.duration !== undefined || options.tz !== undefined;
      const all = (names: string[] | undefined) => (names === undefined ? {} : { value: names.length === 1 && names[0] === 'all' ? null : names });
      const templates = all(options.templates);
      const inventories = all(options.inventories);
      const body = {
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.from !== undefined ? { startsAt: options.from } : {}),
        ...(options.to !== undefined ? { endsAt: options.to } : {}),
        ...(options.cron !== undefined ? { cron: options.cron } : {}),
        ...(options.duration !== undefined ? { durationMinutes: options.duration } : {}),
        ...(options.tz !== undefined ? { timeZone: options.tz } : {}),
        // Switching kind clears the other kind's fields (the API checks the window that results).
        ...(oneOff && !recurring ? { cron: null, durationMinutes: null, timeZone: null } : {}),
        ...(recurring && !oneOff ? { startsAt: null, endsAt: null } : {}),
        ...('value' in templates ? { templates: templates.value } : {}),
        ...('value' in inventories ? { inventories: inventories.value } : {}),
      };
      const { body: changed } = await ctx.http().request<FreezeWindow>('PATCH', `/api/v1/freezes/${id}`, body);
      if (ctx.globals().json) return printJson(changed);
      process.stdout.write(`freeze window ${changed.id} "${changed.name}" changed: ${when(changed)}\n`);
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
