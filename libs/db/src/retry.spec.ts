import { createServer } from 'node:net';
import { createConnection } from 'mysql2/promise';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { RetryBudgetExhaustedError, dbErrorCode, isRetryableDbError, withRetry } from './retry.js';

/** What mysql2 puts on its errors: a code, and for server errors an errno. */
function mysqlError(code: string, errno?: number, message = code): Error {
  return Object.assign(new Error(message), { code, errno });
}

/** A clock that only moves when the retry helper sleeps, so budgets are exact and the test takes no time. */
function fakeClock() {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('isRetryableDbError', () => {
  const retryable: [string, unknown][] = [
    ['lost connection', mysqlError('PROTOCOL_CONNECTION_LOST', undefined, 'Connection lost: The server closed the connection.')],
    ['reset', mysqlError('ECONNRESET')],
    ['broken pipe', mysqlError('EPIPE')],
    ['timeout', mysqlError('ETIMEDOUT')],
    ['refused', mysqlError('ECONNREFUSED')],
    ['MySQL 8 idle disconnect 4031', mysqlError('ER_CLIENT_INTERACTION_TIMEOUT', 4031)],
    ['closed-state command', new Error("Can't add new command when connection is in closed state")],
    ['deadlock 1213', mysqlError('ER_LOCK_DEADLOCK', 1213)],
    ['lock wait 1205', mysqlError('ER_LOCK_WAIT_TIMEOUT', 1205)],
    ['server shutdown 1053', mysqlError('ER_SERVER_SHUTDOWN', 1053)],
    ['connection killed 1927', mysqlError('ER_CONNECTION_KILLED', 1927)],
    ['wrapped by TypeORM', new QueryFailedError('UPDATE releases …', [], mysqlError('ECONNRESET'))],
    ['every address refused', new AggregateError([mysqlError('ECONNREFUSED'), mysqlError('ECONNREFUSED')], 'connect failed')],
  ];
  const notRetryable: [string, unknown][] = [
    ['duplicate key 1062', mysqlError('ER_DUP_ENTRY', 1062)],
    ['syntax error 1064', mysqlError('ER_PARSE_ERROR', 1064)],
    ['missing table 1146', mysqlError('ER_NO_SUCH_TABLE', 1146)],
    ['access denied 1045', mysqlError('ER_ACCESS_DENIED_ERROR', 1045)],
    ['data too long 1406', new QueryFailedError('INSERT …', [], mysqlError('ER_DATA_TOO_LONG', 1406))],
    ['a bug in our code', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing at all', undefined],
  ];

  it.each(retryable)('retries %s', (_name, error) => {
    expect(isRetryableDbError(error)).toBe(true);
  });

  it.each(notRetryable)('does not retry %s', (_name, error) => {
    expect(isRetryableDbError(error)).toBe(false);
  });

  it('retries the real error mysql2 gives for a server that is not there', async () => {
    // A port that was free a moment ago: nothing listens on it.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const error = await createConnection({ host: '127.0.0.1', port, connectTimeout: 2_000 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    expect(isRetryableDbError(error)).toBe(true);
    expect(dbErrorCode(error)).toBe('ECONNREFUSED');
  });

  it('names the code of a wrapped error for the log line', () => {
    expect(dbErrorCode(new QueryFailedError('SELECT 1', [], mysqlError('PROTOCOL_CONNECTION_LOST')))).toBe('PROTOCOL_CONNECTION_LOST');
    expect(dbErrorCode(Object.assign(new Error('x'), { errno: 4031 }))).toBe('4031');
  });
});

describe('withRetry', () => {
  it('runs the whole unit again until it succeeds, reporting each retry with its code', async () => {
    const clock = fakeClock();
    const failures = [mysqlError('ECONNREFUSED'), mysqlError('ECONNREFUSED'), mysqlError('PROTOCOL_CONNECTION_LOST')];
    let calls = 0;
    const retries: { attempt: number; code: string }[] = [];
    const result = await withRetry(
      async () => {
        calls++;
        const failure = failures.shift();
        if (failure) throw failure;
        return 'stored';
      },
      {
        name: 'append log',
        budgetMs: 120_000,
        ...clock,
        random: () => 1,
        onRetry: ({ attempt, code }) => retries.push({ attempt, code }),
      },
    );
    expect(result).toBe('stored');
    expect(calls).toBe(4);
    expect(retries).toEqual([
      { attempt: 1, code: 'ECONNREFUSED' },
      { attempt: 2, code: 'ECONNREFUSED' },
      { attempt: 3, code: 'PROTOCOL_CONNECTION_LOST' },
    ]);
    // Exponential backoff from 100 ms (random() = 1 is the top of the jitter range).
    expect(clock.slept).toEqual([100, 200, 400]);
  });

  it('jitters each delay between half and all of its exponential ceiling, capped at maxDelayMs', async () => {
    const clock = fakeClock();
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls <= 8) throw mysqlError('ECONNRESET');
      },
      { name: 'x', budgetMs: 600_000, ...clock, random: () => 0, maxDelayMs: 5_000 },
    );
    expect(clock.slept).toEqual([50, 100, 200, 400, 800, 1_600, 2_500, 2_500]);
  });

  it('rethrows a non-retryable error at once, without sleeping', async () => {
    const clock = fakeClock();
    const duplicate = mysqlError('ER_DUP_ENTRY', 1062);
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw duplicate;
        },
        { name: 'create release', budgetMs: 120_000, ...clock },
      ),
    ).rejects.toBe(duplicate);
    expect(calls).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it('gives up when the budget is spent, never sleeping past it', async () => {
    const clock = fakeClock();
    const start = clock.now();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw mysqlError('ECONNREFUSED');
      },
      { name: 'final status succeeded', budgetMs: 3_000, ...clock, random: () => 1 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    const exhausted = error as RetryBudgetExhaustedError;
    expect(exhausted.unitName).toBe('final status succeeded');
    expect(exhausted.attempts).toBe(calls);
    expect(dbErrorCode(exhausted.lastError)).toBe('ECONNREFUSED');
    expect(exhausted.message).toContain('ECONNREFUSED');
    // 100+200+400+800, then 1500 instead of 1600 (cut to what is left of the budget), then one last attempt.
    expect(clock.slept).toEqual([100, 200, 400, 800, 1_500]);
    expect(clock.now() - start).toBe(3_000);
    expect(calls).toBe(6);
  });

  it('counts time spent inside attempts against the budget', async () => {
    const clock = fakeClock();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        clock.advance(2_000); // e.g. a connect timeout against a server that does not answer
        throw mysqlError('ETIMEDOUT');
      },
      { name: 'x', budgetMs: 5_000, ...clock, random: () => 1 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    expect(calls).toBe(3);
  });

  it('with a zero budget makes exactly one attempt', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw mysqlError('ECONNRESET');
        },
        { name: 'x', budgetMs: 0, ...clock },
      ),
    ).rejects.toBeInstanceOf(RetryBudgetExhaustedError);
    expect(calls).toBe(1);
    expect(clock.slept).toEqual([]);
  });
});
