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

/** No request hangs past 5 s while a dependency is away: it gets 503 and the client may retry. */
export const REQUEST_TIMEOUT_MS = 5_000;

const STREAMING = 'slipway:streaming';
/** A route whose answer is a stream that may rightly take longer than the timeout (a whole log). */
export const Streaming = () => SetMetadata(STREAMING, true);

@Injectable()
export class RequestTimeoutInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    if (this.reflector.get<boolean>(STREAMING, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (request.headers.accept?.includes('text/event-stream')) return next.handle();
    return next.handle().pipe(
      timeout(REQUEST_TIMEOUT_MS - 500),
      catchError((error: unknown) =>
        throwError(() =>
          error instanceof TimeoutError ? new ServiceUnavailableException('a dependency (database or Redis) did not answer in time') : error,
        ),
      ),
    );
  }
}
