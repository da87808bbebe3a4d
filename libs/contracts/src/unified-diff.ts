/** ansible's `diff` of a result as unified diff lines: shared by the dashboard's result view and the CLI's `release show --diff`. Imports nothing (the dashboard bundles it without zod). */
export type DiffLineKind = 'header' | 'hunk' | 'context' | 'removed' | 'added';
/** One line of a unified diff; its first character (-, +, space) says what it is, not only its colour. */
export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

const CONTEXT = 3;
/** Above this many cells the line table would cost too much: the middle is shown as all removed, then all added. */
const MAX_TABLE_CELLS = 4_000_000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

type Op = { kind: 'context' | 'removed' | 'added'; line: string };

function diffOps(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: Op[] = a.slice(0, start).map((line) => ({ kind: 'context', line }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  if (n * m > MAX_TABLE_CELLS || n === 0 || m === 0) {
    for (const line of midA) ops.push({ kind: 'removed', line });
    for (const line of midB) ops.push({ kind: 'added', line });
  } else {
    // Longest common subsequence, from the end, so the walk from the start reads it forwards.
    const width = m + 1;
    const table = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        table[i * width + j] = midA[i] === midB[j] ? table[(i + 1) * width + j + 1] + 1 : Math.max(table[(i + 1) * width + j], table[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        ops.push({ kind: 'context', line: midA[i] });
        i++;
        j++;
      } else if (j >= m || (i < n && table[(i + 1) * width + j] >= table[i * width + j + 1])) {
        ops.push({ kind: 'removed', line: midA[i++] });
      } else {
        ops.push({ kind: 'added', line: midB[j++] });
      }
    }
  }
  for (const line of a.slice(endA)) ops.push({ kind: 'context', line });
  return ops;
}

const PREFIX = { context: ' ', removed: '-', added: '+' } as const;

/** `before` → `after` as a unified diff (3 lines of context), or [] when they are the same. */
export function unifiedDiff(before: string, after: string, beforeName: string, afterName: string): DiffLine[] {
  const ops = diffOps(splitLines(before), splitLines(after));
  const changed = ops.flatMap((op, index) => (op.kind === 'context' ? [] : [index]));
  if (changed.length === 0) return [];
  const out: DiffLine[] = [
    { kind: 'header', text: `--- ${beforeName}` },
    { kind: 'header', text: `+++ ${afterName}` },
  ];
  // Line numbers before each op.
  const aAt: number[] = [];
  const bAt: number[] = [];
  let a = 0;
  let b = 0;
  for (const op of ops) {
    aAt.push(a);
    bAt.push(b);
    if (op.kind !== 'added') a++;
    if (op.kind !== 'removed') b++;
  }
  let k = 0;
  while (k < changed.length) {
    const from = Math.max(0, changed[k] - CONTEXT);
    let last = changed[k];
    while (k + 1 < changed.length && changed[k + 1] - last <= 2 * CONTEXT) last = changed[++k];
    k++;
    const to = Math.min(ops.length, last + CONTEXT + 1);
    const slice = ops.slice(from, to);
    const aLen = slice.filter((op) => op.kind !== 'added').length;
    const bLen = slice.filter((op) => op.kind !== 'removed').length;
    const aStart = aLen === 0 ? aAt[from] : aAt[from] + 1;
    const bStart = bLen === 0 ? bAt[from] : bAt[from] + 1;
    out.push({ kind: 'hunk', text: `@@ -${aStart},${aLen} +${bStart},${bLen} @@` });
    for (const op of slice) out.push({ kind: op.kind, text: PREFIX[op.kind] + op.line });
  }
  return out;
}

function prepared(text: string): DiffLine[] {
  return splitLines(text).map((line) => ({
    kind: line.startsWith('+++') || line.startsWith('---') ? 'header' : line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'added' : line.startsWith('-') ? 'removed' : 'context',
    text: line,
  }));
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value, null, 2));

/**
 * ansible's `diff` of a result: one entry or a list, each {before, after, before_header, after_header} or
 * {prepared} (already a diff, e.g. from the package modules). One list of lines per entry that shows a change.
 */
export function diffEntries(diff: unknown): DiffLine[][] {
  const entries = Array.isArray(diff) ? diff : diff && typeof diff === 'object' ? [diff] : [];
  const out: DiffLine[][] = [];
  for (const entry of entries) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    if (typeof e.prepared === 'string') {
      if (e.prepared.trim() !== '') out.push(prepared(e.prepared));
      continue;
    }
    if (!('before' in e) && !('after' in e)) continue;
    const lines = unifiedDiff(asText(e.before), asText(e.after), `before: ${asText(e.before_header) || 'before'}`, `after: ${asText(e.after_header) || 'after'}`);
    if (lines.length > 0) out.push(lines);
  }
  return out;
}
