import { z } from 'zod';
import { isoTime, text } from './common.js';
import { MAX_NAME_LENGTH } from './limits.js';
import { named } from './registry.js';

/** A written reason is at least this long: "ok" is not a reason. */
export const MIN_OVERRIDE_REASON_LENGTH = 10;
export const MAX_OVERRIDE_REASON_LENGTH = 1000;

/** On a release: the freeze window an admin overrode to launch it, and why. */
export const freezeOverride = named(
  'FreezeOverride',
  z.strictObject({
    windowId: z.number().int(),
    window: z.string().meta({ example: 'year-end' }),
    reason: z.string().meta({ example: 'hotfix for INC-4211, approved by the CAB' }),
    by: z.string().meta({ example: 'alice', description: 'The admin token that overrode it' }),
  }),
);
export type FreezeOverride = z.infer<typeof freezeOverride>;

const nameList = (what: string) =>
  z
    .array(text().min(1, { message: 'must not be empty' }).max(MAX_NAME_LENGTH, { message: `at most ${MAX_NAME_LENGTH} characters` }), { message: 'must be an array of names' })
    .min(1, { message: `at least one ${what}, or leave it out for all` })
    .max(100, { message: 'at most 100 names' });

/** `POST /api/v1/freezes`: one-off (startsAt + endsAt) or recurring (cron + durationMinutes + timeZone). */
export const createFreezeWindowRequest = named(
  'CreateFreezeWindowRequest',
  z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$/, { message: 'must be 1-120 letters, digits, "_", "." or "-", starting with a letter or digit' }).meta({ example: 'year-end' }),
    startsAt: isoTime.optional().meta({ example: '2026-12-20T00:00:00Z', description: 'One-off window: its start' }),
    endsAt: isoTime.optional().meta({ example: '2027-01-04T00:00:00Z', description: 'One-off window: its end (after startsAt)' }),
    cron: text().max(200, { message: 'at most 200 characters' }).optional().meta({ example: '0 16 * * 5', description: 'Recurring window: when each occurrence starts' }),
    durationMinutes: z.number().int({ message: 'must be a whole number of minutes' }).min(1, { message: 'must be at least 1' }).max(60 * 24 * 31, { message: 'at most 31 days' }).optional().meta({ example: 3840 }),
    timeZone: text().max(64, { message: 'at most 64 characters' }).optional().meta({ example: 'Europe/Berlin', description: "Recurring window: the cron's IANA time zone" }),
    templates: nameList('template').optional().meta({ description: 'Only launches of these templates (default: all)' }),
    inventories: nameList('inventory').optional().meta({ description: 'Only launches on these inventories (default: all)' }),
  }),
);
export type CreateFreezeWindowRequest = z.infer<typeof createFreezeWindowRequest>;

/**
 * `PATCH /api/v1/freezes/:id`: the fields given replace the window's; null clears one (templates or
 * inventories null: all again; the other kind's fields null to turn a one-off window into a recurring one
 * or back). The result is checked as a new window would be.
 */
export const updateFreezeWindowRequest = named(
  'UpdateFreezeWindowRequest',
  z.strictObject({
    name: createFreezeWindowRequest.shape.name.optional(),
    startsAt: isoTime.nullable().optional().meta({ description: 'One-off window: its start (null: none)' }),
    endsAt: isoTime.nullable().optional().meta({ description: 'One-off window: its end (null: none)' }),
    cron: createFreezeWindowRequest.shape.cron.unwrap().nullable().optional().meta({ description: 'Recurring window: when each occurrence starts (null: none)' }),
    durationMinutes: createFreezeWindowRequest.shape.durationMinutes.unwrap().nullable().optional(),
    timeZone: createFreezeWindowRequest.shape.timeZone.unwrap().nullable().optional(),
    templates: nameList('template').nullable().optional().meta({ description: 'Only launches of these templates (null: all)' }),
    inventories: nameList('inventory').nullable().optional().meta({ description: 'Only launches on these inventories (null: all)' }),
  }),
);
export type UpdateFreezeWindowRequest = z.infer<typeof updateFreezeWindowRequest>;

export const freezeWindowBody = named(
  'FreezeWindowBody',
  z.strictObject({
    id: z.number().int(),
    name: z.string(),
    kind: z.enum(['one-off', 'recurring']),
    startsAt: isoTime.nullable(),
    endsAt: isoTime.nullable(),
    cron: z.string().nullable(),
    durationMinutes: z.number().int().nullable(),
    timeZone: z.string().nullable(),
    templates: z.array(z.string()).nullable().meta({ description: 'null: every template' }),
    inventories: z.array(z.string()).nullable().meta({ description: 'null: every inventory' }),
    createdBy: z.string(),
    createdAt: isoTime,
  }),
);
export type FreezeWindow = z.infer<typeof freezeWindowBody>;

export const freezeWindowList = named('FreezeWindowList', z.array(freezeWindowBody), 'Every freeze window');

/** One occurrence of a window: a one-off window's only one, or one start of a recurring one. */
export const freezeOccurrenceBody = named(
  'FreezeOccurrence',
  z.strictObject({
    windowId: z.number().int(),
    window: z.string(),
    startsAt: isoTime,
    endsAt: isoTime,
    templates: z.array(z.string()).nullable(),
    inventories: z.array(z.string()).nullable(),
  }),
);
export type FreezeOccurrence = z.infer<typeof freezeOccurrenceBody>;

/** `GET /api/v1/freezes/status`: what the dashboard's banner shows. */
export const freezeStatusBody = named(
  'FreezeStatusBody',
  z.strictObject({
    now: isoTime,
    active: z.array(freezeOccurrenceBody).meta({ description: 'Occurrences in force now' }),
    upcoming: z.array(freezeOccurrenceBody).meta({ description: 'Occurrences starting within the next 24 h' }),
  }),
);
export type FreezeStatus = z.infer<typeof freezeStatusBody>;
