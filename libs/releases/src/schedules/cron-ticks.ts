import { CronExpressionParser, type CronExpression } from 'cron-parser';

/**
 * Tick times of a cron expression in an IANA time zone, with one stated daylight-saving rule (README
 * "Schedules"), whatever the cron library does on its own (it shifts a skipped daily time by the gap but
 * drops a skipped hourly one, and runs a repeated hourly time twice but a daily one once):
 * - a wall time skipped by spring-forward (02:30 on the night clocks jump 02:00 → 03:00) does not exist,
 *   so it does NOT run that day;
 * - a wall time repeated at fall-back (01:30 on the night clocks go 02:00 → 01:00) runs ONCE, at its first
 *   occurrence (the summer-time one).
 * Expressions take 5 fields (minute hour day month weekday) or 6 (with seconds first).
 */

/** How far ahead a cron is looked at before it is called one that never fires. */
const NEVER_FIRES_HORIZON_MS = 5 * 366 * 24 * 3600 * 1000;
/** Cron-library ticks looked at per call before giving up (a guard; a real expression needs a few). */
const MAX_SCAN = 100_000;

export interface CronProblem {
  field: 'cron' | 'timeZone';
  message: string;
}

export function timeZoneProblem(timeZone: string): CronProblem | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
    // Intl accepts offsets like "+01:00" too; a schedule wants a zone with rules (Europe/Berlin, UTC).
    if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) throw new RangeError('not an IANA name');
    return null;
  } catch {
    return { field: 'timeZone', message: `timeZone: unknown IANA time zone "${timeZone}" (e.g. Europe/Berlin, America/New_York, UTC)` };
  }
}

function parse(cron: string, timeZone: string, from: Date): CronExpression {
  return CronExpressionParser.parse(cron, { tz: timeZone, currentDate: from, strict: false });
}

/** Null when `cron` is well formed and fires within five years in `timeZone`; else what is wrong, naming the field. */
export function cronProblem(cron: string, timeZone: string, now = new Date()): CronProblem | null {
  const zone = timeZoneProblem(timeZone);
  if (zone) return zone;
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return { field: 'cron', message: `cron: "${cron}" must have 5 fields (minute hour day month weekday) or 6 (seconds first)` };
  try {
    parse(cron, timeZone, now);
  } catch (error) {
    return { field: 'cron', message: `cron: "${cron}" is not a valid cron expression (${(error as Error).message})` };
  }
  const [first] = ticksAfter(cron, timeZone, now, 1, new Date(now.getTime() + NEVER_FIRES_HORIZON_MS));
  if (!first) return { field: 'cron', message: `cron: "${cron}" never fires (no tick within 5 years)` };
  return null;
}

/** Offset of `timeZone` from UTC at `at`, in minutes (Berlin in summer: 120). */
function offsetMinutes(timeZone: string, at: number): number {
  const parts = wallClock(timeZone, at);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUtc - Math.floor(at / 1000) * 1000) / 60_000);
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(timeZone: string, at: number): Wall {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const get = (type: string) => Number(format.formatToParts(at).find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

function sameWall(a: Wall, b: Wall): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;
}

/** The rule above for one tick the library gave: false for a shifted (skipped) time and a second occurrence. */
function keeps(expression: CronExpression, timeZone: string, at: number): boolean {
  const wall = wallClock(timeZone, at);
  const { hour, minute, second } = expression.fields;
  if (!hour.values.includes(wall.hour as never) || !minute.values.includes(wall.minute as never) || !second.values.includes(wall.second as never)) {
    return false; // a time moved past the spring-forward gap: its own wall time never happened
  }
  // Clocks went back within the last 3 h: the same wall time earlier, by the offset's change, is the first occurrence.
  const before = offsetMinutes(timeZone, at - 3 * 3600_000);
  const now = offsetMinutes(timeZone, at);
  if (before > now) {
    const earlier = at - (before - now) * 60_000;
    if (sameWall(wallClock(timeZone, earlier), wall)) return false;
  }
  return true;
}

/** Up to `count` ticks strictly after `after` and at or before `until`, oldest first. */
export function ticksAfter(cron: string, timeZone: string, after: Date, count: number, until: Date): Date[] {
  const expression = parse(cron, timeZone, after);
  const ticks: Date[] = [];
  for (let scanned = 0; ticks.length < count && scanned < MAX_SCAN; scanned++) {
    const at = step(() => expression.next());
    if (at === null) break;
    if (at > until.getTime()) break;
    if (at <= after.getTime()) continue;
    if (keeps(expression, timeZone, at)) ticks.push(new Date(at));
  }
  return ticks;
}

/** The next `count` ticks after `from` (a preview), within five years. */
export function nextTicks(cron: string, timeZone: string, from: Date, count: number): Date[] {
  return ticksAfter(cron, timeZone, from, count, new Date(from.getTime() + NEVER_FIRES_HORIZON_MS));
}

/** The latest tick at or before `at` (and after `notBefore`), for a recurring freeze window's start. */
export function lastTickAtOrBefore(cron: string, timeZone: string, at: Date, notBefore: Date): Date | null {
  const expression = CronExpressionParser.parse(cron, { tz: timeZone, currentDate: new Date(at.getTime() + 1000), strict: false });
  for (let scanned = 0; scanned < MAX_SCAN; scanned++) {
    const tick = step(() => expression.prev());
    if (tick === null) return null;
    if (tick < notBefore.getTime()) return null;
    if (tick <= at.getTime() && keeps(expression, timeZone, tick)) return new Date(tick);
  }
  return null;
}

/** The library throws when it runs out of dates (an expression that stops firing): no more ticks. */
function step(move: () => { getTime(): number }): number | null {
  try {
    return move().getTime();
  } catch {
    return null;
  }
}
