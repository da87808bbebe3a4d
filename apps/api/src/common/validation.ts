import { BadRequestException } from '@nestjs/common';
import type { FieldError } from '@slipway/contracts';

/**
 * 400 with every bad field named, e.g. {"message": "template must be a string", "errors": [...]}. Every
 * request shape is checked against its contract schema (contract-validation.ts) and `:id` by idParam:
 * there is no global validation pipe, so nothing converts a parameter before they see it.
 */
export function badRequest(errors: FieldError[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: errors.map((e) => e.message).join('; '),
    errors,
  });
}
