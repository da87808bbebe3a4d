/** Extra vars edited as key/value rows or as JSON, and the conversions between the two. */

export interface VarRow {
  key: string;
  value: string;
  /** A catalog secretVar: its default is never shown; left empty, the catalog's value is used. */
  secret: boolean;
}

/** Values that read as JSON (numbers, true/false, null, objects, arrays, quoted strings) keep their type. */
const JSON_LOOKING = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null|\{.*\}|\[.*\]|".*")$/s;

export function parseRowValue(value: string): unknown {
  const trimmed = value.trim();
  if (JSON_LOOKING.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      // not JSON after all (e.g. "{not json}"): the text itself
    }
  }
  return value;
}

export function formatRowValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function rowsFromDefaults(defaults: Record<string, unknown>, secretVars: string[]): VarRow[] {
  const rows = Object.entries(defaults)
    .filter(([key]) => !secretVars.includes(key))
    .map(([key, value]) => ({ key, value: formatRowValue(value), secret: false }));
  return [...rows, ...secretVars.map((key) => ({ key, value: '', secret: true }))];
}

/** The rows as an object, or the problem that prevents it (named so the form can show it at the field). */
export function rowsToVars(rows: VarRow[]): { vars: Record<string, unknown> } | { error: string } {
  const vars: Record<string, unknown> = {};
  for (const row of rows) {
    const key = row.key.trim();
    if (key === '' && row.value.trim() === '') continue;
    if (key === '') return { error: `a value ("${row.value.slice(0, 20)}") has no name` };
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return { error: `"${key}" is not a valid variable name (letters, digits, "_")` };
    if (key in vars) return { error: `"${key}" is set twice` };
    if (row.secret && row.value === '') continue;
    vars[key] = parseRowValue(row.value);
  }
  return { vars };
}

export function jsonToVars(text: string): { vars: Record<string, unknown> } | { error: string } {
  if (text.trim() === '') return { vars: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { error: `not valid JSON: ${(e as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { error: 'must be a JSON object, e.g. {"greeting": "hi"}' };
  return { vars: parsed as Record<string, unknown> };
}

export function varsToRows(vars: Record<string, unknown>, secretVars: string[]): VarRow[] {
  return Object.entries(vars).map(([key, value]) => ({ key, value: formatRowValue(value), secret: secretVars.includes(key) }));
}
