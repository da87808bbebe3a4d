/** Undeclared extra vars (templates with openVars) edited as free key/value rows. */

export interface VarRow {
  key: string;
  value: string;
  /** Shown as a password field; left empty, it is not sent. */
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
