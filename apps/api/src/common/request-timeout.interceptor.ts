import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  ServiceUnavailableException,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Observable, TimeoutError, catchError, throwError, timeout } from 'rxjs';

/**
 * No request hangs past 5 s while a dependency is away: it gets 503. The handler is not stopped (a
 * statement already sent may still commit), so a 503 for a write says its outcome is unknown and how to
 * learn it: repeat it with the same Idempotency-Key, which makes it take effect at most once and answers
 * with the release it created, if it did.
 */
export const REQUEST_TIMEOUT_MS = 5_000;

const STREAMING = 'slipway:streaming';
/** A route whose answer is a stream that may rightly take longer than the timeout (a whole log). */
export const Streaming = () => SetMetadata(STREAMING, true);

const BUDGET = 'slipway:request-budget';
/**
 * A route whose own work may rightly take longer than REQUEST_TIMEOUT_MS (a catalog reload runs
 * ansible-inventory for each inventory): it gets `ms` instead. Past it, the same 503.
 */
export const RequestBudget = (ms: number) => SetMetadata(BUDGET, ms);

@Injectable()
export class RequestTimeoutInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    if (this.reflector.get<boolean>(STREAMING, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<{ method: string; headers: Record<string, string | undefined> }>();
    if (request.headers.accept?.includes('text/event-stream')) return next.handle();
    const budget = this.reflector.get<number | undefined>(BUDGET, context.getHandler()) ?? REQUEST_TIMEOUT_MS - 500;
    return next.handle().pipe(
      timeout(budget),
      catchError((error: unknown) => throwError(() => (error instanceof TimeoutError ? timedOut(request) : error))),
    );
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

function timedOut(request: { method: string; headers: Record<string, string | undefined> }): ServiceUnavailableException {
  const slow = 'a dependency (database or Redis) did not answer in time';
  if (READS.has(request.method.toUpperCase())) return new ServiceUnavailableException(slow);
  const key = request.headers['idempotency-key'];
  const howToLearn =
    key !== undefined
      ? 'repeat it with the same Idempotency-Key to get its outcome (it takes effect at most once)'
      : 'send it with an Idempotency-Key header and repeat it with the same key to learn the outcome (it then takes effect at most once); without one, check the list before sending it again';
  return new ServiceUnavailableException({
    statusCode: 503,
    error: 'Service Unavailable',
    message: `${slow}; the request may still complete: ${howToLearn}`,
    outcome: 'unknown',
    ...(key !== undefined ? { idempotencyKey: key } : {}),
  });
}
