import { cronProblem, lastTickAtOrBefore, ticksAfter, timeZoneProblem } from '../schedules/cron-ticks.js';

/**
 * A freeze window as stored (freeze_windows): one-off (startsAt, endsAt) or recurring (each tick of
 * `cron` in `timeZone` starts an occurrence lasting `durationMinutes`), for every launch or only the
 * listed templates / inventories (null: all).
 */
export interface FreezeWindowRecord {
  id: number;
  name: string;
  startsAt: Date | null;
  endsAt: Date | null;
  cron: string | null;
  durationMinutes: number | null;
  timeZone: string | null;
  templates: string[] | null;
  inventories: string[] | null;
  createdBy: string;
  createdAt: Date;
}

export interface Occurrence {
  window: FreezeWindowRecord;
  startsAt: Date;
  endsAt: Date;
}

export function appliesTo(window: FreezeWindowRecord, template: string, inventory: string): boolean {
  return (window.templates === null || window.templates.includes(template)) && (window.inventories === null || window.inventories.includes(inventory));
}

/** The occurrence of `window` in force at `at` (start inclusive, end exclusive), if any. */
export function occurrenceAt(window: FreezeWindowRecord, at: Date): Occurrence | null {
  if (window.startsAt && window.endsAt) {
    return window.startsAt <= at && at < window.endsAt ? { window, startsAt: window.startsAt, endsAt: window.endsAt } : null;
  }
  if (!window.cron || !window.timeZone || !window.durationMinutes) return null;
  const durationMs = window.durationMinutes * 60_000;
  const start = lastTickAtOrBefore(window.cron, window.timeZone, at, new Date(at.getTime() - durationMs));
  if (!start) return null;
  const endsAt = new Date(start.getTime() + durationMs);
  return at < endsAt ? { window, startsAt: start, endsAt } : null;
}

/** Occurrences of `window` that start after `from` and no later than `to`, oldest first. */
export function occurrencesStarting(window: FreezeWindowRecord, from: Date, to: Date, max = 10): Occurrence[] {
  if (window.startsAt && window.endsAt) {
    return window.startsAt > from && window.startsAt <= to ? [{ window, startsAt: window.startsAt, endsAt: window.endsAt }] : [];
  }
  if (!window.cron || !window.timeZone || !window.durationMinutes) return [];
  const durationMs = window.durationMinutes * 60_000;
  return ticksAfter(window.cron, window.timeZone, from, max, to).map((startsAt) => ({ window, startsAt, endsAt: new Date(startsAt.getTime() + durationMs) }));
}

/**
 * The occurrence that blocks a launch of `template` on `inventory` at `at`: of those in force, the one
 * ending last (the message says when launches may resume), or null.
 */
export function blockingOccurrence(windows: readonly FreezeWindowRecord[], template: string, inventory: string, at: Date): Occurrence | null {
  let blocking: Occurrence | null = null;
  for (const window of windows) {
    if (!appliesTo(window, template, inventory)) continue;
    const occurrence = occurrenceAt(window, at);
    if (occurrence && (!blocking || occurrence.endsAt > blocking.endsAt)) blocking = occurrence;
  }
  return blocking;
}

/** What every refused launch says: the window, when it ends, and that an admin may override it. */
export function frozenLaunchMessage({ window, endsAt }: Occurrence, template: string, inventory: string): string {
  return `freeze window "${window.name}" is in force until ${endsAt.toISOString()}: ${template} on ${inventory} cannot be launched before then (an admin may override it with a written reason)`;
}

/**
 * The freeze rule again as a queued release is about to start (the worker asks just before queued →
 * running): a release queued before a window existed, or whose runAt fell into a window made later,
 * must not start inside it. The same rule as a launch (blockingOccurrence at the moment it would start);
 * a release an admin launched with an override runs, whichever window is in force (the override is the
 * written permission to ship during a freeze). Null: it may start.
 */
export function frozenStart(
  windows: readonly FreezeWindowRecord[],
  release: { template: string; inventory: string; freezeOverride: unknown },
  at: Date,
): { occurrence: Occurrence; reason: string } | null {
  if (release.freezeOverride) return null;
  const occurrence = blockingOccurrence(windows, release.template, release.inventory, at);
  if (!occurrence) return null;
  const end = occurrence.endsAt.toISOString();
  return {
    occurrence,
    reason: `not started: freeze window "${occurrence.window.name}" is in force until ${end} (it began after this release was queued); launch it again after ${end}, or an admin may launch it with a written override`,
  };
}

export interface NewFreezeWindow {
  name: string;
  startsAt?: string;
  endsAt?: string;
  cron?: string;
  durationMinutes?: number;
  timeZone?: string;
  templates?: string[];
  inventories?: string[];
}

/** A change to a window (PATCH): a field given replaces the window's, null clears it, absent keeps it. */
export type FreezeWindowChange = { [K in keyof NewFreezeWindow]?: NewFreezeWindow[K] | null };

/**
 * The window as it would be after `change`, in the shape of a new one, so an edit is checked by the very
 * rules of a creation (freezeWindowProblems) and stored whole.
 */
export function changedFreezeWindow(window: FreezeWindowRecord, change: FreezeWindowChange): NewFreezeWindow {
  const current: NewFreezeWindow = {
    name: window.name,
    ...(window.startsAt ? { startsAt: window.startsAt.toISOString() } : {}),
    ...(window.endsAt ? { endsAt: window.endsAt.toISOString() } : {}),
    ...(window.cron !== null ? { cron: window.cron } : {}),
    ...(window.durationMinutes !== null ? { durationMinutes: window.durationMinutes } : {}),
    ...(window.timeZone !== null ? { timeZone: window.timeZone } : {}),
    ...(window.templates ? { templates: window.templates } : {}),
    ...(window.inventories ? { inventories: window.inventories } : {}),
  };
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) continue;
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged as unknown as NewFreezeWindow;
}

/** Every problem of a new window beyond its shape, each naming its field (the API answers them in one 400). */
export function freezeWindowProblems(input: NewFreezeWindow, now = new Date()): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const oneOff = input.startsAt !== undefined || input.endsAt !== undefined;
  const recurring = input.cron !== undefined || input.durationMinutes !== undefined || input.timeZone !== undefined;
  if (oneOff && recurring) {
    problems.push({ field: 'cron', message: 'cron: give either startsAt and endsAt (one-off) or cron, durationMinutes and timeZone (recurring), not both' });
    return problems;
  }
  if (!oneOff && !recurring) {
    problems.push({ field: 'startsAt', message: 'startsAt: give startsAt and endsAt (one-off) or cron, durationMinutes and timeZone (recurring)' });
    return problems;
  }
  if (oneOff) {
    if (input.startsAt === undefined) problems.push({ field: 'startsAt', message: 'startsAt: required with endsAt' });
    if (input.endsAt === undefined) problems.push({ field: 'endsAt', message: 'endsAt: required with startsAt' });
    if (input.startsAt !== undefined && input.endsAt !== undefined) {
      const starts = new Date(input.startsAt).getTime();
      const ends = new Date(input.endsAt).getTime();
      if (ends <= starts) problems.push({ field: 'endsAt', message: `endsAt: ${input.endsAt} is not after startsAt ${input.startsAt}` });
      else if (ends <= now.getTime()) problems.push({ field: 'endsAt', message: `endsAt: ${input.endsAt} is in the past` });
    }
    return problems;
  }
  if (input.cron === undefined) problems.push({ field: 'cron', message: 'cron: required for a recurring window' });
  if (input.durationMinutes === undefined) problems.push({ field: 'durationMinutes', message: 'durationMinutes: required for a recurring window' });
  if (input.timeZone === undefined) problems.push({ field: 'timeZone', message: 'timeZone: required for a recurring window (e.g. Europe/Berlin, UTC)' });
  else {
    const zone = timeZoneProblem(input.timeZone);
    if (zone) problems.push(zone);
    else if (input.cron !== undefined) {
      const cron = cronProblem(input.cron, input.timeZone, now);
      if (cron) problems.push(cron);
    }
  }
  return problems;
}
