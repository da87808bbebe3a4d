/**
 * One-line YAML for a JSON-compatible value, with every string tagged `!unsafe`, for ansible.
 *
 * Ansible renders variable values as Jinja templates; `!unsafe` makes it keep a string literal.
 * Only strings are tagged: tagging a mapping or sequence makes ansible's loader wrap it before
 * it is filled in, and the nested data silently disappears (ansible-core 2.14).
 *
 * The output is printable ASCII: PyYAML (YAML 1.1) treats raw U+0085/U+2028 as line breaks and
 * rejects DEL and C1 controls, so those and all other non-ASCII are written as escapes.
 */
export function toUnsafeYaml(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('value cannot be serialized as JSON');
  // A JSON round trip applies JSON's rules first (toJSON, dropped undefined, NaN -> null).
  return render(JSON.parse(json) as unknown);
}

function render(value: unknown): string {
  if (typeof value === 'string') return `!unsafe ${quote(value)}`;
  if (typeof value === 'number') return renderNumber(value);
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    // Keys are tagged too, in case something ever templates them.
    return `{${Object.entries(value).map(([k, v]) => `${render(k)}: ${render(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value); // true, false, null
}

/** YAML 1.1 only reads "1e+21" as a float with a dot in the mantissa ("1.0e+21"). */
function renderNumber(n: number): string {
  const json = JSON.stringify(n);
  return /e/i.test(json) && !json.includes('.') ? json.replace(/e/i, '.0e') : json;
}

/** A double-quoted scalar: JSON's escapes plus YAML's \u/\U for everything non-ASCII. */
function quote(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/gu, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
