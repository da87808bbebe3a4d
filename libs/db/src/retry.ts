/**
 * Retry a whole unit of work (never one statement) when the database connection was lost or the
 * server asked us to retry (deadlock, lock wait). See ARCHITECTURE.md, "DB resilience recipe".
 */

const RETRYABLE_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
]);
// 1213 deadlock, 1205 lock wait, 4031 idle-disconnected (MySQL 8), 1053 server shutdown,
// 1927 connection killed (MariaDB), 2006/2013 gone away / lost during query, 1040 too many connections.
const RETRYABLE_ERRNOS = new Set([1213, 1205, 4031, 1053, 1927, 2006, 2013, 1040]);
const RETRYABLE_MESSAGES = [
  "Can't add new command when connection is in closed state",
  'Connection lost',
  'connect ETIMEDOUT',
  'Pool is closed',
  'read ECONNRESET',
];

interface ErrorWithCodes {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/** Short code for logs and metrics, e.g. "ECONNREFUSED" or "1213". */
export function dbErrorCode(error: unknown): string {
  const inner = unwrap(error);
  if (typeof inner.code === 'string') return inner.code;
  if (typeof inner.errno === 'number') return String(inner.errno);
  return inner instanceof Error ? inner.name : 'unknown';
}

function unwrap(error: unknown): ErrorWithCodes {
  let current = (error ?? {}) as ErrorWithCodes;
  // TypeORM wraps mysql2 errors in QueryFailedError.driverError; AggregateError/causes chain too.
  for (let depth = 0; depth < 4; depth++) {
    const next = current.driverError ?? current.cause;
    if (!next || typeof next !== 'object') break;
    if (typeof current.code === 'string' || typeof current.errno === 'number') break;
    current = next;
  }
  return current;
}

export function isRetryableDbError(error: unknown): boolean {
  const inner = unwrap(error);
  const outer = (error ?? {}) as ErrorWithCodes;
  for (const candidate of [outer, inner]) {
    if (typeof candidate.code === 'string' && RETRYABLE_CODES.has(candidate.code)) return true;
    if (typeof candidate.errno === 'number' && RETRYABLE_ERRNOS.has(candidate.errno)) return true;
    const message = typeof candidate.message === 'string' ? candidate.message : '';
    if (RETRYABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isRetryableDbError);
  return false;
}

export interface RetryOptions {
  /** Total time allowed for all attempts, in ms (DB_RETRY_BUDGET_MS). */
  budgetMs: number;
  /** What is being done, for the log line. */
  name: string;
  initialDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (info: { name: string; attempt: number; code: string; delayMs: number }) => void;
  /** Injected in unit tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export class RetryBudgetExhaustedError extends Error {
  override name = 'RetryBudgetExhaustedError';
  constructor(
    readonly unitName: string,
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(`${unitName}: database unavailable after ${attempts} attempts (${dbErrorCode(lastError)})`);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` until it succeeds, a non-retryable error occurs (rethrown as is), or the budget is spent
 * (RetryBudgetExhaustedError). Backoff is exponential with full jitter, capped at maxDelayMs.
 * `work` must be idempotent as a whole: conditional status updates, log chunks keyed by sequence.
 */
export async function withRetry<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const initial = options.initialDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 5_000;
  const deadline = now() + options.budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryableDbError(error)) throw error;
      const remaining = deadline - now();
      if (remaining <= 0) throw new RetryBudgetExhaustedError(options.name, attempt, error);
      const ceiling = Math.min(maxDelay, initial * 2 ** (attempt - 1));
      const delayMs = Math.min(remaining, Math.max(10, Math.round(ceiling * (0.5 + random() / 2))));
      options.onRetry?.({ name: options.name, attempt, code: dbErrorCode(error), delayMs });
      await sleep(delayMs);
    }
  }
}
