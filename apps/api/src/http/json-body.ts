import type { IncomingMessage } from 'node:http';

/** The JSON body limit: a release request is a few KiB; this leaves room for large extraVars. */
export const JSON_BODY_LIMIT = '256kb';

/**
 * Nesting beyond this is refused before parsing (400): class-transformer (the validation pipe) recurses
 * and overflowed the stack between 1 000 and 2 000 levels, answering 500. Far above anything a release
 * needs; the catalog's own, tighter depth rule on extraVars names the var (issue 10, item 2).
 */
export const MAX_JSON_DEPTH = 512;

export class JsonTooDeepError extends Error {
  override name = 'JsonTooDeepError';
  /** Read by HttpErrorsFilter, like body-parser's own error types. */
  readonly type = 'entity.too.deep';
  constructor(readonly maxDepth: number) {
    super(`body: JSON nested deeper than ${maxDepth} levels`);
  }
}

/** Whether `json` opens more than `max` objects/arrays at once (strings are skipped, escapes honoured). */
export function jsonDepthExceeds(json: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const byte of json) {
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === 0x5c /* \ */) escaped = true;
      else if (byte === 0x22 /* " */) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b /* { */ || byte === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (byte === 0x7d /* } */ || byte === 0x5d /* ] */) depth--;
  }
  return false;
}

/** body-parser's `verify` hook: runs on the raw body before JSON.parse. */
export function refuseDeepJson(_request: IncomingMessage, _response: unknown, body: Buffer): void {
  if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) throw new JsonTooDeepError(MAX_JSON_DEPTH);
}
