import { REDACTED } from './catalog.vars.js';

/**
 * Replaces every secret value in a line of output with "********", as the worker stores each line.
 *
 * A value is looked for as written and as ansible prints it: inside JSON (`debug: var=x` escapes quotes,
 * backslashes, tabs and newlines; with ensure_ascii also non-ASCII as \uXXXX), as Python's repr (a var
 * inside a list), and YAML single-quoted (the yaml result format doubles each '). A value holding line
 * breaks is also looked for line by line, since printed raw or as a YAML block it spans several lines. Values that
 * overlap or contain each other are masked as one run, so no part of the longer one is left over.
 * Values of every length are masked, even one character: leaving a short secret in clear would show it;
 * masking it makes the log hard to read, which is the catalog's cue to require a longer value.
 */
export class SecretMasker {
  private readonly needles: string[];

  constructor(values: Iterable<unknown>) {
    const needles = new Set<string>();
    for (const value of values) for (const text of textsOf(value)) for (const needle of variants(text)) needles.add(needle);
    needles.delete('');
    // Longest first: where two start at one place, the longer decides the run.
    this.needles = [...needles].sort((a, b) => b.length - a.length);
  }

  /** True when there is nothing to mask (the common case: `mask` is then the identity). */
  get empty(): boolean {
    return this.needles.length === 0;
  }

  mask(line: string): string {
    const covered = this.coverage(line);
    return covered === null ? line : render(line, covered);
  }

  /**
   * Masks each part, and a secret that spans parts as they read joined by `separator` too (an argv shown
   * as one command line: a secret "-i /tmp" masks the end of "-i" and the start of the next part).
   */
  maskParts(parts: readonly string[], separator = ' '): string[] {
    const covered = this.coverage(parts.join(separator));
    if (covered === null) return [...parts];
    let at = 0;
    return parts.map((part) => {
      const masked = render(part, covered.subarray(at, at + part.length));
      at += part.length + separator.length;
      return masked;
    });
  }

  /** Which characters of `line` belong to a secret (1), or null when none does. */
  private coverage(line: string): Uint8Array | null {
    let covered: Uint8Array | null = null;
    for (const needle of this.needles) {
      for (let at = line.indexOf(needle); at !== -1; at = line.indexOf(needle, at + 1)) {
        covered ??= new Uint8Array(line.length);
        covered.fill(1, at, at + needle.length);
      }
    }
    return covered;
  }
}

/** `line` with each run of covered characters replaced by one "********". */
function render(line: string, covered: Uint8Array): string {
  let out = '';
  for (let i = 0; i < line.length; ) {
    if (covered[i] === 1) {
      while (i < line.length && covered[i] === 1) i++;
      out += REDACTED;
    } else {
      const start = i;
      while (i < line.length && covered[i] !== 1) i++;
      out += line.slice(start, i);
    }
  }
  return out;
}

/** The strings a value shows up as: itself if a string, else its JSON and every string inside it. */
function textsOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return [String(value)];
  const texts = [JSON.stringify(value)];
  if (Array.isArray(value)) for (const item of value) texts.push(...textsOf(item));
  else if (typeof value === 'object') for (const item of Object.values(value)) texts.push(...textsOf(item));
  return texts;
}

function variants(text: string): string[] {
  const json = (t: string): string => JSON.stringify(t).slice(1, -1);
  const asciiJson = json(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // Python's repr (a var inside a list or dict printed by `msg:`), which ansible then prints JSON-escaped:
  // in single quotes with ' escaped, or in double quotes (when the value has ' but no ") with ' as is.
  const reprBase = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
  const reprSingle = reprBase.replace(/'/g, "\\'");
  const escaped = [text, json(text), asciiJson, reprSingle, json(reprSingle), reprBase, json(reprBase)];
  // The yaml result format (callback_result_format = yaml) single-quotes strings, doubling each '.
  const yamlSingle = escaped.map((t) => t.replace(/'/g, "''"));
  // A multi-line value printed raw or as a YAML block scalar (`|-`) arrives as one line per line.
  const lines = text.split(/\r?\n/);
  return [...escaped, ...yamlSingle, ...(lines.length > 1 ? lines : [])];
}
