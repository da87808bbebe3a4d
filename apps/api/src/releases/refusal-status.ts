import { BadRequestException, ConflictException, ForbiddenException, type HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { LaunchRefusal } from '@slipway/releases';

/**
 * The one place a launcher refusal becomes an HTTP answer: its status code, and the body the API has
 * always sent for it (a 400 lists every bad field in `errors`).
 */
export function refusalException(refusal: LaunchRefusal): HttpException {
  switch (refusal.kind) {
    case 'invalid':
    case 'unknown-template':
      return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: refusal.message, errors: refusal.errors });
    case 'conflict':
      return new ConflictException(refusal.message);
    case 'frozen':
      return new ConflictException({ statusCode: 409, error: 'Conflict', message: refusal.message, window: refusal.window });
    case 'forbidden':
      return new ForbiddenException(refusal.message);
    case 'not-found':
      return new NotFoundException(refusal.message);
    case 'secrets-unavailable':
    case 'unavailable':
      return new ServiceUnavailableException(refusal.message);
  }
}
