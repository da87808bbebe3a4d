import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, ServiceUnavailableException } from '@nestjs/common';
import { type Observable, TimeoutError, catchError, throwError, timeout } from 'rxjs';

/** No request hangs past 5 s while a dependency is away: it gets 503 and the client may retry. */
export const REQUEST_TIMEOUT_MS = 5_000;

@Injectable()
export class RequestTimeoutInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
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
