import { ConflictException, HttpException, NotFoundException } from '@nestjs/common';
import type { DnsRefusal } from '@slipway/dns';
import { badRequest } from '../common/validation.js';

/** Each refusal of the DNS store as its HTTP answer. */
export function dnsRefusalError(refusal: DnsRefusal): HttpException {
  switch (refusal.kind) {
    case 'invalid':
      return badRequest(refusal.problems);
    case 'not-found':
      return new NotFoundException(refusal.message);
    case 'exists':
      return new ConflictException(refusal.message);
    case 'version-mismatch':
      return new HttpException({ statusCode: 412, error: 'Precondition Failed', message: refusal.message }, 412);
  }
}

/**
 * The record version an If-Match header names: `"3"`, `W/"3"` or `3`. A change without it is refused
 * (428): two people editing one record must not overwrite each other silently.
 */
export function ifMatchVersion(header: string | undefined): number {
  if (header === undefined || header.trim() === '') {
    throw new HttpException({ statusCode: 428, error: 'Precondition Required', message: 'If-Match: required; send the ETag of the record as you read it' }, 428);
  }
  const match = /^(?:W\/)?"?(\d{1,10})"?$/.exec(header.trim());
  if (!match) throw badRequest([{ field: 'If-Match', message: 'If-Match: must be the ETag of the record, e.g. "3"' }]);
  return Number(match[1]);
}

export const etagOf = (version: number) => `"${version}"`;
