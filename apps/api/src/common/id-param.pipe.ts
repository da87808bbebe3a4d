import { ParseIntPipe } from '@nestjs/common';
import { badRequest } from './validation.js';

/** `:id` route parameters: a whole number, or 400 naming the field. */
export const idParam = new ParseIntPipe({
  exceptionFactory: () => badRequest([{ field: 'id', message: 'id: must be a whole number' }]),
});
