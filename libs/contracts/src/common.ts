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
