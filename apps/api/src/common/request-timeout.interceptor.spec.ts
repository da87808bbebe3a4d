import { type CallHandler, type ExecutionContext, HttpException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { firstValueFrom, timer, map } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REQUEST_TIMEOUT_MS, RequestTimeoutInterceptor } from './request-timeout.interceptor.js';

function contextFor(method: string, headers: Record<string, string> = {}): ExecutionContext {
  const request = { method, headers };
  return {
    getType: () => 'http',
    getHandler: () => () => undefined,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

/** A handler that answers long after the request budget (a DB that does not answer). */
const slow: CallHandler = { handle: () => timer(REQUEST_TIMEOUT_MS * 2).pipe(map(() => 'late')) };

async function timedOut(context: ExecutionContext): Promise<HttpException> {
  const answer = firstValueFrom(new RequestTimeoutInterceptor(new Reflector()).intercept(context, slow)).then(
    () => {
      throw new Error('expected a timeout');
    },
    (error: unknown) => error as HttpException,
  );
  await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS);
  return answer;
}

describe('RequestTimeoutInterceptor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a read that times out is a plain 503', async () => {
    const error = await timedOut(contextFor('GET'));
    expect(error.getStatus()).toBe(503);
    expect(error.getResponse()).toMatchObject({ statusCode: 503, message: expect.stringContaining('did not answer in time') });
  });

  it('a write that times out says its outcome is unknown and how to learn it: repeat with the same Idempotency-Key', async () => {
    const error = await timedOut(contextFor('POST', { 'idempotency-key': 'pipeline-42' }));
    expect(error.getStatus()).toBe(503);
    const body = error.getResponse() as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: 503, outcome: 'unknown', idempotencyKey: 'pipeline-42' });
    expect(body.message).toMatch(/may still complete/);
    expect(body.message).toMatch(/same Idempotency-Key/);
  });

  it('a write without a key is told the same, and to send one next time', async () => {
    const error = await timedOut(contextFor('POST'));
    const body = error.getResponse() as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: 503, outcome: 'unknown' });
    expect(body.message).toMatch(/Idempotency-Key/);
    expect(body).not.toHaveProperty('idempotencyKey');
  });
});
