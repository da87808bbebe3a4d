import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isRetryableDbError, loggableError } from '@slipway/db';

/** body-parser's errors carry `type` and `status`; map them to messages that name what is wrong. */
interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/**
 * One JSON error shape for everything: {statusCode, error, message[, errors]}. Unexpected errors become
 * 500 without details (no stack or SQL, which could hold secrets); a lost DB or Redis becomes 503.
 */
@Catch()
export class HttpErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    const { status, body } = this.toBody(exception);
    response.status(status).json(body);
  }

  private toBody(exception: unknown): { status: number; body: Record<string, unknown> } {
    // Nest wraps body-parser's errors in an HttpException; its `cause` says which one it was.
    const parserError = ((exception instanceof HttpException ? exception.cause : exception) ?? {}) as BodyParserError;
    if (parserError.type === 'entity.too.large') {
      return { status: 413, body: { statusCode: 413, error: 'Payload Too Large', message: `body: request body is larger than ${Math.round((parserError.limit ?? 0) / 1024)} KiB` } };
    }
    if (parserError.type === 'entity.too.deep') {
      const { message, field } = parserError as Error & { field?: string };
      return { status: 400, body: { statusCode: 400, error: 'Bad Request', message, ...(field ? { errors: [{ field, message }] } : {}) } };
    }
    if (parserError.type === 'entity.parse.failed' || exception instanceof SyntaxError) {
      return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'body: invalid JSON' } };
    }
    if (parserError.type === 'encoding.unsupported' || parserError.type === 'charset.unsupported') {
      return { status: 415, body: { statusCode: 415, error: 'Unsupported Media Type', message: 'body: unsupported encoding' } };
    }
    if (exception instanceof HttpException) {
      const res = exception.getResponse();
      const body = typeof res === 'string' ? { statusCode: exception.getStatus(), message: res } : (res as Record<string, unknown>);
      return { status: exception.getStatus(), body };
    }
    if (isRetryableDbError(exception) || (exception as Error)?.name === 'RetryBudgetExhaustedError') {
      return { status: 503, body: { statusCode: 503, error: 'Service Unavailable', message: 'database unavailable, try again shortly' } };
    }
    // Never the statement or its parameters (a failed INSERT would log the row it tried to write).
    const logged = loggableError(exception);
    this.logger.error(logged instanceof Error ? logged : String(logged));
    return { status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'internal error' } };
  }
}
