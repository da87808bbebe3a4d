/**
 * Fields of TypeORM's QueryFailedError and mysql2's errors that carry the statement and its parameters:
 * extra vars, token hashes and anything else a row holds. They never reach a log line.
 */
const STATEMENT_FIELDS = ['query', 'parameters', 'sql', 'driverError', 'values'] as const;

/**
 * An error as it may be logged: name, message, stack and the DB error codes, without the statement or
 * its parameters (mysql2's `sql` even has the values inlined). Non-DB errors are returned as they are.
 */
export function loggableError(error: unknown): unknown {
  if (!(error instanceof Error) || !STATEMENT_FIELDS.some((field) => field in error)) return error;
  const source = error as Error & { code?: unknown; errno?: unknown; sqlState?: unknown; driverError?: { code?: unknown; errno?: unknown; sqlState?: unknown } };
  const safe = new Error(source.message);
  safe.name = source.name;
  // The stack's first line repeats the message; the rest are frames, never data.
  safe.stack = source.stack;
  const codes = {
    code: source.code ?? source.driverError?.code,
    errno: source.errno ?? source.driverError?.errno,
    sqlState: source.sqlState ?? source.driverError?.sqlState,
  };
  for (const [key, value] of Object.entries(codes)) if (value !== undefined) Object.assign(safe, { [key]: value });
  return safe;
}
