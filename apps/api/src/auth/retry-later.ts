import { HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';

/** A refusal the client may retry after `retryAfterSeconds` (429 lockout, 503 overload): sent as Retry-After. */
export class RetryLaterException extends HttpException {
  constructor(
    status: HttpStatus.TOO_MANY_REQUESTS | HttpStatus.SERVICE_UNAVAILABLE,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super({ statusCode: status, error: status === HttpStatus.TOO_MANY_REQUESTS ? 'Too Many Requests' : 'Service Unavailable', message }, status);
  }
}

/** Sets the Retry-After header for a RetryLaterException before it reaches the error filter. */
export function setRetryAfter(response: Response, error: unknown): void {
  if (error instanceof RetryLaterException) response.setHeader('Retry-After', String(error.retryAfterSeconds));
}
