import { z } from 'zod';

/** At most 15 digits: every such number is a safe integer, and no id or count here comes near it. */
export const DECIMAL = /^(0|[1-9]\d{0,14})$/;

/**
 * A whole number in a query string (always a string there), written in plain decimal digits only:
 * Number() would also read "0x1", "1e3", " 1" and "" (issue 20 item 3).
 */
export const queryInt = (message: string) =>
  z
    .string({ message })
    .regex(DECIMAL, { message })
    .transform(Number)
    .pipe(z.number().min(1, { message }));

const REMOVED_PAGE = 'lists are paged with before=<nextBefore of the previous page> (page numbers were removed in issue 12: deep pages cost as much as the first)';
const LIMIT_MESSAGE = 'limit: must be a whole number from 1 to 500';

/**
 * `?before=&after=&limit=` shared by the newest-first lists (keyset pagination, libs/db keyset.ts). The
 * old `page`/`pageSize` are refused by name, so a script still sending them learns what to send instead.
 */
export const pageQueryFields = {
  before: queryInt('before: must be an entry id (a whole number)')
    .optional()
    .meta({ description: 'Entries older than this one (the `nextBefore` of the page before)' }),
  after: queryInt('after: must be an entry id (a whole number)')
    .optional()
    .meta({ description: 'Entries newer than this one (the `prevAfter` of the page after); not with `before`' }),
  limit: z
    .string({ message: LIMIT_MESSAGE })
    .regex(DECIMAL, { message: LIMIT_MESSAGE })
    .transform(Number)
    .pipe(z.number().min(1, { message: LIMIT_MESSAGE }).max(500, { message: LIMIT_MESSAGE }))
    .optional()
    .transform((limit) => limit ?? 50)
    .meta({ description: 'Entries per page, 1 to 500 (default 50)' }),
  page: z.undefined({ message: `page: ${REMOVED_PAGE}` }).optional(),
  pageSize: z.undefined({ message: 'pageSize: renamed limit' }).optional(),
};

/** `before` and `after` each name one end of a page: both at once is no page. */
export const notBothCursors = (query: { before?: number; after?: number }) => query.before === undefined || query.after === undefined;
export const NOT_BOTH_CURSORS = { message: 'after: give before or after, not both', path: ['after'] };
