import { z } from 'zod';
import { isoTime, plainObject, text } from './common.js';
import { MAX_NAME_LENGTH } from './limits.js';
import { named } from './registry.js';

export const SCHEDULE_STATES = ['active', 'paused'] as const;
export type ScheduleState = (typeof SCHEDULE_STATES)[number];

/** What became of one tick (README "Schedules"). `launching`: claimed, its launch not yet recorded. */
export const TICK_OUTCOMES = ['launching', 'launched', 'skipped', 'missed', 'invalid', 'refused'] as const;
export type TickOutcome = (typeof TICK_OUTCOMES)[number];

/** Default grace for a tick missed while Slipway was down: run once on return within it, else record it as missed. */
export const DEFAULT_MISSED_GRACE_SECONDS = 15 * 60;

/** `POST /api/v1/schedules`. */
export const createScheduleRequest = named(
  'CreateScheduleRequest',
  z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$/, { message: 'must be 1-120 letters, digits, "_", "." or "-", starting with a letter or digit' }).meta({ example: 'nightly-deploy' }),
    template: text().min(1, { message: 'must not be empty' }).max(MAX_NAME_LENGTH, { message: `at most ${MAX_NAME_LENGTH} characters` }).meta({ example: 'hello' }),
    inventory: text().min(1, { message: 'must not be empty' }).max(MAX_NAME_LENGTH, { message: `at most ${MAX_NAME_LENGTH} characters` }).optional().meta({ description: "Default: the template's first" }),
    extraVars: plainObject('must be an object of var name to value').optional().meta({ description: "Checked against the template's vars when saved and at every tick; secret vars cannot be stored in a schedule" }),
    cron: text().min(1, { message: 'must not be empty' }).max(200, { message: 'at most 200 characters' }).meta({ example: '30 2 * * 1-5', description: '5 fields (minute hour day month weekday) or 6 (seconds first)' }),
    timeZone: text().min(1, { message: 'must not be empty' }).max(64, { message: 'at most 64 characters' }).meta({ example: 'Europe/Berlin', description: 'IANA time zone the cron is read in' }),
    missedGraceSeconds: z.number().int({ message: 'must be a whole number of seconds' }).min(0, { message: 'must be at least 0' }).max(7 * 86_400, { message: 'at most 7 days' }).optional().meta({ description: `A tick missed while Slipway was down runs once on return within this many seconds, else is recorded as missed (default ${DEFAULT_MISSED_GRACE_SECONDS})` }),
    paused: z.boolean().optional().meta({ description: 'Create it paused (default: active)' }),
  }),
);
export type CreateScheduleRequest = z.infer<typeof createScheduleRequest>;

export const scheduleTickBody = named(
  'ScheduleTick',
  z.strictObject({
    tickAt: isoTime,
    outcome: z.enum(TICK_OUTCOMES),
    releaseId: z.number().int().nullable(),
    detail: z.string().nullable().meta({ description: 'Why it was skipped, missed, invalid or refused' }),
    recordedAt: isoTime,
  }),
);
export type ScheduleTick = z.infer<typeof scheduleTickBody>;

export const scheduleBody = named(
  'ScheduleBody',
  z.strictObject({
    id: z.number().int(),
    name: z.string(),
    template: z.string(),
    inventory: z.string(),
    extraVars: z.record(z.string(), z.unknown()),
    cron: z.string(),
    timeZone: z.string(),
    state: z.enum(SCHEDULE_STATES),
    pausedReason: z.string().nullable().meta({ description: 'Why it is paused (by whom, or the catalog problem that paused it)' }),
    missedGraceSeconds: z.number().int(),
    nextRuns: z.array(isoTime).meta({ description: 'The next ticks (empty while paused)' }),
    lastTick: scheduleTickBody.nullable(),
    createdBy: z.string(),
    createdAt: isoTime,
    updatedAt: isoTime,
  }),
);
export type Schedule = z.infer<typeof scheduleBody>;

export const scheduleList = named('ScheduleList', z.array(scheduleBody), 'Every schedule');

/** `GET /api/v1/schedules/:id`: the schedule with its recent ticks (newest first) and the releases they made. */
export const scheduleDetailBody = named(
  'ScheduleDetailBody',
  z.strictObject({
    ...scheduleBody.shape,
    ticks: z.array(scheduleTickBody).meta({ description: 'Its latest ticks, newest first' }),
  }),
);
export type ScheduleDetail = z.infer<typeof scheduleDetailBody>;

/** `POST /api/v1/schedules/preview` and `GET /api/v1/schedules/:id/preview`: the next runs. */
export const schedulePreviewRequest = named(
  'SchedulePreviewRequest',
  z.strictObject({
    cron: text().min(1, { message: 'must not be empty' }).max(200, { message: 'at most 200 characters' }),
    timeZone: text().min(1, { message: 'must not be empty' }).max(64, { message: 'at most 64 characters' }),
    count: z.number().int().min(1, { message: 'must be at least 1' }).max(100, { message: 'at most 100' }).optional(),
  }),
);
export type SchedulePreviewRequest = z.infer<typeof schedulePreviewRequest>;

export const schedulePreviewBody = named(
  'SchedulePreviewBody',
  z.strictObject({ cron: z.string(), timeZone: z.string(), nextRuns: z.array(isoTime) }),
);
export type SchedulePreview = z.infer<typeof schedulePreviewBody>;

export const pauseScheduleRequest = named(
  'PauseScheduleRequest',
  z.strictObject({ reason: text().max(500, { message: 'at most 500 characters' }).optional() }),
);
export type PauseScheduleRequest = z.infer<typeof pauseScheduleRequest>;
