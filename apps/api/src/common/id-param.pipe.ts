import type { PipeTransform } from '@nestjs/common';
import { decimalInt } from './decimal-int.js';
import { badRequest } from './validation.js';

/** `:id` route parameters: a positive whole number in decimal digits, or 400 naming the field. */
export const idParam: PipeTransform<string, number> = {
  transform(value) {
    const id = decimalInt(value);
    if (!Number.isSafeInteger(id) || id < 1) throw badRequest([{ field: 'id', message: 'id: must be a whole number (decimal digits)' }]);
    return id;
  },
};

/** `:seq`: an event's sequence number, a positive whole number in decimal digits, or 400 naming the field. */
export const seqParam: PipeTransform<string, number> = {
  transform(value) {
    const seq = decimalInt(value);
    if (!Number.isSafeInteger(seq) || seq < 1) throw badRequest([{ field: 'seq', message: 'seq: must be an event sequence number (a whole number)' }]);
    return seq;
  },
};
