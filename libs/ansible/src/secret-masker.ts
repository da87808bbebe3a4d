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

  /**
   * True when `text` ends with the start of a secret's printed form that the next line could complete
   * (a value folded over lines). The whole of a secret printed in `text` does not count.
   */
  endsWithStartOfSecret(text: string): boolean {
    for (const needle of this.needles) {
      for (let at = Math.max(0, text.length - needle.length + 1); at < text.length; at++) {
        if (text.charCodeAt(at) === needle.charCodeAt(0) && needle.startsWith(text.slice(at))) return true;
      }
    }
    return false;
  }

  /** The longest printed form of a secret: how far back a value folded over lines can start. */
  get longestForm(): number {
    return this.needles[0]?.length ?? 0;
  }

  /** Which characters of `line` belong to a secret (1), or null when none does. */
  coverage(line: string): Uint8Array | null {
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

/**
 * How short a line can be and still be folded: libyaml folds a scalar only past column 80, and ansible
 * indents the dump by 4 more. Shorter lines are let out at once.
 */
const SHORTEST_FOLDED_LINE = 80;
/** The colour codes ansible (ANSIBLE_FORCE_COLOR) wraps each line in. */
// eslint-disable-next-line no-control-regex -- matching ESC is the point.
const ANSI_AT_START = /^(?:\u001b\[[0-9;]*m)+/;
// eslint-disable-next-line no-control-regex -- matching ESC is the point.
const ANSI_AT_END = /(?:\u001b\[[0-9;]*m)+$/;

interface HeldLine {
  readonly line: string;
  /** Characters found to belong to a secret so far (a fold is masked on both of its lines). */
  readonly covered: Uint8Array;
}

/** Where two lines meet in an unfolded text: the join's place and the fold marks on either side. */
interface Seam {
  /** Index in the unfolded text of the first character after the join. */
  readonly after: number;
  /** The fold's own characters (a trailing "\\", the "\\" of an escaped leading space) as [line, column]. */
  readonly marks: Array<readonly [number, number]>;
  readonly joinLength: number;
}

/**
 * Masks ansible's output line by line like SecretMasker, and also a value that the yaml result format
 * folded over lines (callback_result_format = yaml: libyaml folds a scalar longer than 80 columns at a
 * space onto an indented next line; in double quotes a second space is escaped as "\\ ", and pure-Python
 * PyYAML ends the line with a "\\" continuation instead). A line that ends with the start of a secret and
 * is long enough to be folded is held back until the next line shows whether it continues; other lines
 * go out at once. `flush` lets out what is held (at the end of the run).
 */
export class SecretLineStream {
  private held: HeldLine[] = [];
  /** A secret folded over more lines than this could not fit even at a deep indent. */
  private readonly mostHeld: number;

  constructor(
    private readonly masker: SecretMasker,
    private readonly emit: (line: string) => void,
  ) {
    this.mostHeld = 2 + Math.ceil(masker.longestForm / 10);
  }

  push(line: string): void {
    if (this.masker.empty) {
      this.emit(line);
      return;
    }
    this.held.push({ line, covered: new Uint8Array(line.length) });
    this.cover();
    if (!this.mayContinue()) this.release(this.held.length);
    else if (this.held.length > this.mostHeld) this.release(this.held.length - this.mostHeld);
  }

  flush(): void {
    this.release(this.held.length);
  }

  private release(count: number): void {
    for (const { line, covered } of this.held.splice(0, count)) this.emit(render(line, covered));
  }

  /** Marks what belongs to a secret: in each line alone, and in the held lines unfolded both ways. */
  private cover(): void {
    const last = this.held.length - 1;
    const alone = this.masker.coverage(this.held[last].line);
    if (alone) orInto(this.held[last].covered, alone, 0);
    if (this.held.length < 2) return;
    for (const continuation of [false, true]) {
      const { text, origin, seams } = this.unfolded(continuation);
      const covered = this.masker.coverage(text);
      if (covered === null) continue;
      for (let i = 0; i < text.length; i++) {
        const from = origin[i];
        if (covered[i] === 1 && from !== undefined) this.held[from[0]].covered[from[1]] = 1;
      }
      for (const seam of seams) {
        if (covered[seam.after - seam.joinLength - 1] !== 1 || covered[seam.after] !== 1) continue;
        for (const [line, column] of seam.marks) this.held[line].covered[column] = 1;
      }
    }
  }

  /** Whether the last held line could be folded in the middle of a secret. */
  private mayContinue(): boolean {
    const last = this.held[this.held.length - 1].line;
    if (last.replace(ANSI_AT_START, '').replace(ANSI_AT_END, '').length < SHORTEST_FOLDED_LINE) return false;
    const atSpace = this.unfolded(false).text.replace(ANSI_AT_END, '');
    if (this.masker.endsWithStartOfSecret(`${atSpace} `)) return true;
    // The last line's own "\\" continuation is not a seam yet, so it is taken off here.
    const atContinuation = this.unfolded(true).text.replace(ANSI_AT_END, '');
    return atContinuation.endsWith('\\') && this.masker.endsWithStartOfSecret(atContinuation.slice(0, -1));
  }

  /**
   * The held lines joined as the YAML reader would read them: each fold (colour codes, line break and
   * indentation) read as one space, or, with `continuation`, a line ending in "\\" joined to the next
   * with nothing between. `origin` maps each character back to [line, column]; joins map to nothing.
   */
  private unfolded(continuation: boolean): { text: string; origin: Array<readonly [number, number] | undefined>; seams: Seam[] } {
    let text = '';
    const origin: Array<readonly [number, number] | undefined> = [];
    const seams: Seam[] = [];
    let pendingMarks: Array<readonly [number, number]> = [];
    this.held.forEach(({ line }, index) => {
      let start = 0;
      let end = line.length;
      const marks = pendingMarks;
      pendingMarks = [];
      if (index > 0) {
        start = line.length - line.replace(ANSI_AT_START, '').trimStart().length;
        // A leading space the emitter escaped as "\\ " (the break ate the space before it).
        if (line.startsWith('\\ ', start)) marks.push([index, start++]);
        const joinLength = continuation && marks.length > 0 && marks[0][0] === index - 1 ? 0 : 1;
        if (joinLength === 1) {
          text += ' ';
          origin.push(undefined);
        }
        seams.push({ after: text.length, marks, joinLength });
      }
      if (index < this.held.length - 1) {
        end = line.replace(ANSI_AT_END, '').length;
        if (continuation && end > start && line[end - 1] === '\\') pendingMarks.push([index, --end]);
      }
      for (let column = start; column < end; column++) origin.push([index, column]);
      text += line.slice(start, end);
    });
    return { text, origin, seams };
  }
}

function orInto(target: Uint8Array, source: Uint8Array, offset: number): void {
  for (let i = 0; i < source.length; i++) if (source[i] === 1) target[offset + i] = 1;
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
  // ensure_ascii (a to_json filter, module output at -vvv): UTF-16 units, so astral characters as surrogate pairs.
  const asciiJson = (t: string): string => json(t).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // Python's repr (a var inside a list or dict printed by `msg:`), which ansible then prints JSON-escaped:
  // in single quotes with ' escaped, or in double quotes (when the value has ' but no ") with ' as is.
  const reprBase = pythonReprBody(text);
  const reprSingle = reprBase.replace(/'/g, "\\'");
  const printed = new Set<string>();
  for (const base of [text, reprBase, reprSingle]) {
    for (const form of [base, json(base), asciiJson(base)]) {
      printed.add(form);
      // The yaml result format single-quotes strings, doubling each ', or double-quotes them with escapes.
      printed.add(form.replace(/'/g, "''"));
      printed.add(yamlDoubleQuotedBody(form));
    }
  }
  // A multi-line value printed raw or as a YAML block scalar (`|-`) arrives as one line per line; the
  // yaml format's block is lossy (ansible's _munge_data_for_lossy_yaml), so its lines are looked for too.
  for (const value of [text, lossyYamlBlock(text)]) {
    const lines = value.split(/\r?\n|[\u0085\u2028\u2029]/);
    if (lines.length > 1) for (const line of lines) printed.add(line);
  }
  return [...printed];
}

/** libyaml's (and PyYAML's) short escapes inside a double-quoted scalar. */
const YAML_SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\0': '0', '\u0007': 'a', '\b': 'b', '\t': 't', '\n': 'n', '\v': 'v', '\f': 'f', '\r': 'r',
  '\u001b': 'e', '"': '"', '\\': '\\', '\u0085': 'N', '\u2028': 'L', '\u2029': 'P',
};

/**
 * `text` as libyaml writes it inside "…" with allow_unicode: printable BMP characters as they are,
 * the rest escaped with upper-case hex; libyaml escapes every character outside the BMP (emoji as \U0001F600).
 */
function yamlDoubleQuotedBody(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    const short = YAML_SHORT_ESCAPES[ch];
    const printable = (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff);
    if (short !== undefined) out += `\\${short}`;
    else if (printable) out += ch;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out;
}

/** Inside Python's repr of a str: \\ \n \r \t, other unprintable characters as \xhh, \uhhhh or \Uhhhhhhhh. */
function pythonReprBody(text: string): string {
  const named: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return text.replace(/[\\\n\r\t]|[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/gu, (ch) => {
    const name = named[ch];
    if (name !== undefined) return name;
    const code = ch.codePointAt(0) ?? 0;
    if (code <= 0xff) return `\\x${hex(code, 2).toLowerCase()}`;
    return code <= 0xffff ? `\\u${hex(code, 4).toLowerCase()}` : `\\U${hex(code, 8).toLowerCase()}`;
  });
}

/** What ansible's lossy yaml block keeps of a multi-line value: trailing space cut, tabs expanded, specials dropped. */
function lossyYamlBlock(text: string): string {
  const expanded = text.trimEnd().split('\n').map(expandTabs).join('\n');
  // The characters libyaml calls special (ansible's _SpecialCharacterTranslator keeps the rest).
  const kept = expanded.replace(/[^\n\u0020-\u007e\u0085\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10fffe}]|\ufeff/gu, '');
  return kept.replace(/ +([\n\u0085\u2028\u2029])/g, '$1');
}

/** Python's str.expandtabs(8) for one line. */
function expandTabs(line: string): string {
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(8 - (out.length % 8)) : ch;
  return out;
}

function hex(code: number, digits: number): string {
  return code.toString(16).toUpperCase().padStart(digits, '0');
}
