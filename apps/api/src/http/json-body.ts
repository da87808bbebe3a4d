import type { IncomingMessage } from 'node:http';

/** The JSON body limit: a release request is a few KiB; this leaves room for large extraVars. */
export const JSON_BODY_LIMIT = '256kb';

/**
 * Nesting beyond this is refused before parsing (400): what reads the body after it (the contract schemas,
 * the vars checks) walks it recursively, and such a walk overflowed the stack between 1 000 and 2 000
 * levels, answering 500. Far above anything a release needs; the catalog's own, tighter depth rule on
 * extraVars names the var (issue 10, item 2).
 */
export const MAX_JSON_DEPTH = 512;

export class JsonTooDeepError extends Error {
  override name = 'JsonTooDeepError';
  /** Read by HttpErrorsFilter, like body-parser's own error types. */
  readonly type = 'entity.too.deep';
  /** Where the nesting went too deep, as the API names fields (`extraVars.deep`), or `body`. */
  readonly field: string;
  constructor(readonly maxDepth: number, field: string) {
    super(`${field}: nested deeper than ${maxDepth} levels`);
    this.field = field;
  }
}

/**
 * Where `json` first opens more than `max` objects/arrays at once, named by the object keys leading there
 * (the first two, e.g. `extraVars.deep`; `body` outside any key), or null when it never does. Strings are
 * skipped, escapes honoured; the text is not parsed (that is what would overflow).
 */
export function tooDeepAt(json: Buffer, max: number): string | null {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = 0;
  let lastString = '';
  const keys: string[] = [];
  for (let i = 0; i < json.length; i++) {
    const byte = json[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === 0x5c /* \ */) escaped = true;
      else if (byte === 0x22 /* " */) {
        inString = false;
        lastString = json.subarray(stringStart, i + 1).toString('utf8');
      }
    } else if (byte === 0x22) {
      inString = true;
      stringStart = i;
    } else if (byte === 0x3a /* : */) {
      keys[depth] = keyText(lastString);
    } else if (byte === 0x7b /* { */ || byte === 0x5b /* [ */) {
      if (++depth > max) return keys.slice(1, 3).filter(Boolean).join('.') || 'body';
      keys.length = depth;
    } else if (byte === 0x7d /* } */ || byte === 0x5d /* ] */) depth--;
  }
  return null;
}

function keyText(quoted: string): string {
  try {
    return String(JSON.parse(quoted));
  } catch {
    return '';
  }
}

/** Whether `json` opens more than `max` objects/arrays at once. */
export function jsonDepthExceeds(json: Buffer, max: number): boolean {
  return tooDeepAt(json, max) !== null;
}

/** body-parser's `verify` hook: runs on the raw body before JSON.parse. */
export function refuseDeepJson(_request: IncomingMessage, _response: unknown, body: Buffer): void {
  const field = tooDeepAt(body, MAX_JSON_DEPTH);
  if (field !== null) throw new JsonTooDeepError(MAX_JSON_DEPTH, field);
}
