import { type ArgumentMetadata, BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { FieldError } from '@slipway/contracts';
import { decimalInt } from './decimal-int.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      // class-validator says "property x should not exist"; name it the way users write it.
      message: message.replace(/^property (\S+) should not exist$/, `${field}: unknown field`),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** 400 with every bad field named, e.g. {"message": "template must be a string", "errors": [...]}. */
export function badRequest(errors: FieldError[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: errors.map((e) => e.message).join('; '),
    errors,
  });
}

const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  validationError: { target: false, value: false },
} as const;

/**
 * The global pipe turns a `number` route or query parameter into a number with `+value` before any
 * parameter pipe sees it, so "0x1" and "1e3" arrived at idParam as 1 and 1000 (issue 20, item 3): it reads
 * them with decimalInt instead (NaN for anything but decimal digits, which idParam then refuses).
 */
class DecimalValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.metatype === Number && typeof value === 'string') return decimalInt(value);
    return super.transformPrimitive(value, metadata);
  }
}

export const validationPipe = new DecimalValidationPipe({
  ...VALIDATOR_OPTIONS,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  exceptionFactory: (errors) => badRequest(flatten(errors)),
});
