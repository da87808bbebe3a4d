/** One record of a master file as written: the line it starts on, its owner (absolute) and type, its rdata. */
export interface RecordLine {
  line: number;
  /** Absolute, lower-case, without the final dot. */
  owner: string;
  type: string;
  /** The rdata's tokens joined by one space, as written (quotes kept). */
  rdata: string;
}

const TTL = /^\d+[smhdw]?(?:\d+[smhdw])*$/i;
const CLASS = /^(?:IN|CH|HS|CS|CLASS\d+)$/i;

/**
 * Where each record of an RFC 1035 master file starts. BIND's parser reads the file (parseZoneFile) and
 * dumps it without line numbers; this finds them again so Slipway's own checks can name the line. It only
 * splits entries: comments (";" outside quotes), quotes, escapes, parentheses spanning lines, a blank
 * owner (the previous one), "@", relative names and $ORIGIN. $GENERATE entries are not expanded (their
 * records have no line here), $TTL and $INCLUDE lines are not records.
 */
export function recordLines(zone: string, text: string): RecordLine[] {
  const out: RecordLine[] = [];
  let origin = zone.toLowerCase().replace(/\.$/, '');
  let lastOwner = origin;
  for (const entry of entries(text)) {
    const [first, ...rest] = entry.tokens;
    if (first === undefined) continue;
    if (!entry.blankOwner && first.startsWith('$')) {
      if (first.toUpperCase() === '$ORIGIN' && rest[0]) origin = absolute(rest[0], origin);
      continue;
    }
    const owner = entry.blankOwner ? lastOwner : absolute(first, origin);
    lastOwner = owner;
    const fields = entry.blankOwner ? entry.tokens : rest;
    let i = 0;
    while (i < fields.length - 1 && (TTL.test(fields[i]) || CLASS.test(fields[i]))) i++;
    const type = fields[i];
    if (type === undefined) continue;
    out.push({ line: entry.line, owner, type: type.toUpperCase(), rdata: fields.slice(i + 1).join(' ') });
  }
  return out;
}

function absolute(name: string, origin: string): string {
  if (name === '@') return origin;
  const lower = name.toLowerCase();
  if (lower.endsWith('.') && !lower.endsWith('\\.')) return lower.slice(0, -1);
  return origin ? `${lower}.${origin}` : lower;
}

/** The file's entries: each one's tokens, the line its first token is on, and whether its owner field is blank. */
function* entries(text: string): Generator<{ tokens: string[]; line: number; blankOwner: boolean }> {
  let tokens: string[] = [];
  let token: string | null = null;
  let line = 1;
  let startLine = 1;
  let blankOwner = false;
  let depth = 0;
  let inQuote = false;
  let atEntryStart = true;
  const endToken = () => {
    if (token !== null) tokens.push(token);
    token = null;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (atEntryStart) {
      // The entry's first character decides whether its owner is blank (the previous owner).
      atEntryStart = false;
      blankOwner = c === ' ' || c === '\t';
      startLine = line;
    }
    if (inQuote) {
      if (c === '\\' && i + 1 < text.length) {
        token += c + text[++i];
      } else {
        token += c;
        if (c === '"') inQuote = false;
        if (c === '\n') line++;
      }
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      token = (token ?? '') + c + text[++i];
      continue;
    }
    if (c === '"') {
      token = (token ?? '') + c;
      inQuote = true;
      continue;
    }
    if (c === ';') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if (c === '(' || c === ')') {
      endToken();
      depth += c === '(' ? 1 : depth > 0 ? -1 : 0;
      continue;
    }
    if (c === '\n') {
      endToken();
      line++;
      if (depth === 0) {
        if (tokens.length > 0) yield { tokens, line: startLine, blankOwner };
        tokens = [];
        atEntryStart = true;
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endToken();
      continue;
    }
    if (tokens.length === 0 && token === null) startLine = line;
    token = (token ?? '') + c;
  }
  endToken();
  if (tokens.length > 0) yield { tokens, line: startLine, blankOwner };
}
