import { type Command, InvalidArgumentError } from 'commander';
import type { Schedule, ScheduleDetail, SchedulePreview } from '@slipway/contracts';
import type { SlipwayHttp } from '../http.js';
import { printJson } from '../output.js';
import { formatTable, localTime } from '../table.js';
import type { GlobalOptions } from './command-context.js';
import { extraVarsFrom, keyValue, typedPairs } from './release.js';

type Context = { http: () => SlipwayHttp; globals: () => GlobalOptions };

function scheduleId(value: string): number {
  if (!/^\d{1,10}$/.test(value)) throw new InvalidArgumentError('must be a schedule id (a whole number)');
  return Number(value);
}

function wholeNumber(value: string): number {
  if (!/^\d{1,7}$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

function lastRun(schedule: Schedule): string {
  const tick = schedule.lastTick;
  if (!tick) return '-';
  return `${localTime(tick.tickAt)} ${tick.outcome}${tick.releaseId !== null ? ` #${tick.releaseId}` : ''}`;
}

function describe(schedule: ScheduleDetail): string {
  const lines = [
    `schedule ${schedule.id} "${schedule.name}": ${schedule.template} on ${schedule.inventory}`,
    `  cron        ${schedule.cron} (${schedule.timeZone})`,
    `  state       ${schedule.state}${schedule.pausedReason ? ` (${schedule.pausedReason})` : ''}`,
    `  vars        ${JSON.stringify(schedule.extraVars)}`,
    `  missed      run once on return within ${schedule.missedGraceSeconds} s, else recorded as missed`,
    `  next runs   ${schedule.nextRuns.length ? schedule.nextRuns.map(localTime).join(', ') : '-'}`,
    `  created     ${localTime(schedule.createdAt)} by ${schedule.createdBy}`,
  ];
  if (schedule.ticks.length > 0) {
    const rows = schedule.ticks.map((t) => [localTime(t.tickAt), t.outcome, t.releaseId === null ? '-' : String(t.releaseId), t.detail ?? '']);
    lines.push('', formatTable(['tick', 'outcome', 'release', 'detail'], rows));
  }
  return lines.join('\n');
}

export function registerScheduleCommands(program: Command, ctx: Context): void {
  const schedule = program.command('schedule').description('schedules: releases started by cron in a time zone');

  schedule
    .command('create')
    .description('create a schedule (its vars are checked against the template now and at every tick)')
    .requiredOption('--name <name>', 'its name')
    .requiredOption('--template <name>', 'catalog template')
    .requiredOption('--cron <expr>', 'cron: minute hour day month weekday (or seconds first)')
    .requiredOption('--tz <zone>', 'IANA time zone, e.g. Europe/Berlin or UTC')
    .option('-i, --inventory <name>', "inventory (default: the template's first)")
    .option('-e, --extra-var <key=value>', 'extra var (repeatable); converted to the type the template declares', keyValue, [])
    .option('--extra-vars-file <file>', 'extra vars from a YAML or JSON file (-e wins per key)')
    .option('--missed-grace <seconds>', 'a tick missed while Slipway was down runs once on return within this many seconds (default 900)', wholeNumber)
    .option('--paused', 'create it paused')
    .action(async (options: { name: string; template: string; cron: string; tz: string; inventory?: string; extraVar: [string, string][]; extraVarsFile?: string; missedGrace?: number; paused?: boolean }) => {
      const extraVars = await extraVarsFrom(options.extraVarsFile, await typedPairs(ctx.http(), options.template, options.extraVar));
      const body = {
        name: options.name,
        template: options.template,
        cron: options.cron,
        timeZone: options.tz,
        ...(options.inventory ? { inventory: options.inventory } : {}),
        ...(extraVars ? { extraVars } : {}),
        ...(options.missedGrace !== undefined ? { missedGraceSeconds: options.missedGrace } : {}),
        ...(options.paused ? { paused: true } : {}),
      };
      const { body: created } = await ctx.http().request<Schedule>('POST', '/api/v1/schedules', body);
      if (ctx.globals().json) return printJson(created);
      process.stdout.write(`schedule ${created.id} "${created.name}" created (${created.state}); next runs: ${created.nextRuns.map(localTime).join(', ') || '-'}\n`);
    });

  schedule
    .command('list')
    .description('every schedule, with its last and next run')
    .action(async () => {
      const { body } = await ctx.http().request<Schedule[]>('GET', '/api/v1/schedules');
      if (ctx.globals().json) return printJson(body);
      const rows = body.map((s) => [String(s.id), s.name, s.template, s.inventory, `${s.cron} ${s.timeZone}`, s.state, lastRun(s), s.nextRuns[0] ? localTime(s.nextRuns[0]) : '-']);
      process.stdout.write(`${formatTable(['id', 'name', 'template', 'inventory', 'cron', 'state', 'last run', 'next run'], rows)}\n`);
    });

  schedule
    .command('show')
    .description('one schedule: its next runs and latest ticks (the releases it made, skipped, missed)')
    .argument('<id>', 'schedule id', scheduleId)
    .action(async (id: number) => {
      const { body } = await ctx.http().request<ScheduleDetail>('GET', `/api/v1/schedules/${id}`);
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`${describe(body)}\n`);
    });

  schedule
    .command('pause')
    .description('pause a schedule')
    .argument('<id>', 'schedule id', scheduleId)
    .option('--reason <text>', 'why (shown on the schedule)')
    .action(async (id: number, options: { reason?: string }) => {
      const { body } = await ctx.http().request<Schedule>('POST', `/api/v1/schedules/${id}/pause`, options.reason ? { reason: options.reason } : {});
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`schedule ${body.id} "${body.name}" paused\n`);
    });

  schedule
    .command('resume')
    .description('resume a paused schedule (ticks while paused are not made up for)')
    .argument('<id>', 'schedule id', scheduleId)
    .action(async (id: number) => {
      const { body } = await ctx.http().request<Schedule>('POST', `/api/v1/schedules/${id}/resume`);
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`schedule ${body.id} "${body.name}" resumed; next run ${body.nextRuns[0] ? localTime(body.nextRuns[0]) : '-'}\n`);
    });

  schedule
    .command('delete')
    .description('delete a schedule (the releases it made stay)')
    .argument('<id>', 'schedule id', scheduleId)
    .action(async (id: number) => {
      const { body } = await ctx.http().request<Schedule>('DELETE', `/api/v1/schedules/${id}`);
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`schedule ${body.id} "${body.name}" deleted\n`);
    });

  schedule
    .command('preview')
    .description('the next runs of a cron expression in a time zone (nothing is saved)')
    .requiredOption('--cron <expr>', 'cron expression')
    .requiredOption('--tz <zone>', 'IANA time zone')
    .option('-n, --count <n>', 'how many runs', wholeNumber, 5)
    .action(async (options: { cron: string; tz: string; count: number }) => {
      const { body } = await ctx.http().request<SchedulePreview>('POST', '/api/v1/schedules/preview', { cron: options.cron, timeZone: options.tz, count: options.count });
      if (ctx.globals().json) return printJson(body);
      process.stdout.write(`${body.nextRuns.map((at) => `${at}  ${localTime(at)}`).join('\n')}\n`);
    });
}
