import { z } from 'zod';
import { named } from './registry.js';

/** A JSON time as the API writes it (Date#toJSON: ISO 8601 in UTC with milliseconds). */
export const isoTime = z.iso.datetime();

/** In `u` mode a surrogate pair is one code point, so this matches only an unpaired half. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A string the API stores or passes on: well-formed Unicode only. A lone surrogate (`"\ud800"`) cannot be
 * written to MariaDB's utf8mb4 or to ansible's argv, so it is refused as bad input, not a 500.
 */
export const text = () => z.string().refine((value) => !LONE_SURROGATE.test(value), { message: 'must be valid Unicode text (it holds a lone surrogate)' });

/** A JSON object (not an array or null), kept as the very object parsed: an own `__proto__` key stays for the rules that refuse it by name. */
export const plainObject = (message: string) =>
  z
    .custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message })
    .meta({ type: 'object', additionalProperties: true });

/** A whole number in a query string, in plain decimal digits only ("0x1", "1e3", " 1", "01" are refused). */
const DECIMAL = /^(0|[1-9]\d{0,14})$/;
export const queryInt = (message: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(DECIMAL, { message })
    .transform(Number)
    .pipe(z.number().min(min, { message }).max(max, { message }));

/** A query parameter that was removed: refused by name with what to send instead. */
const removedParam = (message: string) => z.never({ message }).optional().meta({ deprecated: true, description: message });

export const MAX_PAGE_LIMIT = 500;
export const DEFAULT_PAGE_LIMIT = 50;
const REMOVED_PAGE = 'lists are paged with before=<nextBefore of the previous page> (page numbers were removed in issue 12: deep pages cost as much as the first)';
const ENTRY_ID = 'must be an entry id (a whole number)';

/**
 * `?before=&after=&limit=` of every newest-first list (keyset pagination, libs/db keyset.ts). The old
 * `page`/`pageSize` are refused by name, so a script still sending them learns what to send instead.
 */
export const keysetQueryFields = {
  before: queryInt(ENTRY_ID, 1).optional().meta({ description: 'Entries older than this one (the `nextBefore` of the page before)' }),
  after: queryInt(ENTRY_ID, 1).optional().meta({ description: 'Entries newer than this one (the `prevAfter` of the page after); not with `before`' }),
  limit: queryInt(`must be a whole number from 1 to ${MAX_PAGE_LIMIT}`, 1, MAX_PAGE_LIMIT)
    .default(DEFAULT_PAGE_LIMIT)
    .meta({ description: `At most ${MAX_PAGE_LIMIT}` }),
  page: removedParam(REMOVED_PAGE),
  pageSize: removedParam('renamed limit'),
};

/** The one rule across the page fields: a page is either older or newer than an entry. */
export function keysetQuery<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject({ ...keysetQueryFields, ...shape }).superRefine((query, context) => {
    // TypeScript cannot see through the spread of a generic shape that these two are still there.
    const { before, after } = query as { before?: number; after?: number };
    if (before !== undefined && after !== undefined) context.addIssue({ code: 'custom', path: ['after'], message: 'give before or after, not both' });
  });
}

/** An ISO 8601 time in a query, e.g. `2026-12-01T00:00:00Z`: the forms the API has always taken, read as the instant it names. */
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
export const queryTime = (example: string) =>
  z
    .string()
    .regex(ISO_8601, { message: `must be an ISO 8601 time, e.g. ${example}` })
    .refine((value) => !Number.isNaN(new Date(value).getTime()), { message: `must be an ISO 8601 time, e.g. ${example}` })
    .transform((value) => new Date(value));

/** One bad field of a 400 (or one catalog problem of a refused reload). */
export const fieldError = named(
  'FieldError',
  z.strictObject({
    field: z.string().meta({ example: 'extraVars.canary' }),
    message: z.string().meta({ example: 'extraVars.canary: must be at most 100' }),
  }),
);
export type FieldError = z.infer<typeof fieldError>;

const errorFields = {
  statusCode: z.number().int().meta({ example: 400 }),
  error: z.string().meta({ example: 'Bad Request' }),
  message: z.string().meta({ example: 'template: unknown template "nope"', description: 'What is wrong, naming the field' }),
};

/** Every error: HttpErrorsFilter's one shape. */
export const errorBody = named('ErrorBody', z.strictObject(errorFields), 'Every error answer');
export type ErrorBody = z.infer<typeof errorBody>;

/** A 400 from validation: every bad field at once. */
export const validationErrorBody = named(
  'ValidationErrorBody',
  z.strictObject({
    ...errorFields,
    errors: z.array(fieldError).optional().meta({ description: 'One entry per bad field (validation errors only)' }),
  }),
  'A 400: every bad field at once',
);
export type ValidationErrorBody = z.infer<typeof validationErrorBody>;

/** What every newest-first list answers besides its items (keyset pagination, libs/db keyset.ts). */
export function keysetPage<T extends z.ZodType>(item: T) {
  return z.strictObject({
    items: z.array(item),
    more: z.boolean().meta({ description: 'Whether there are older entries than the last of this page' }),
    nextBefore: z.number().int().nullable().meta({ description: 'Pass as `before` for the next older page; null when there is none' }),
    prevAfter: z.number().int().nullable().meta({ description: 'Pass as `after` for the next newer page; null when this page starts with the newest' }),
  });
}
/** A newest-first list page: its items and the cursors of the pages either side. */
export type Page<T> = Omit<z.infer<ReturnType<typeof keysetPage<z.ZodUnknown>>>, 'items'> & { items: T[] };
