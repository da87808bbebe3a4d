/**
 * One text per JSON value, whatever the order its object keys were built in: keys sorted by UTF-16 code
 * units at every depth, no whitespace, strings and numbers as JSON.stringify writes them (the JSON
 * Canonicalization Scheme, RFC 8785, for the values a catalog holds). Object properties that are
 * `undefined` are left out, as JSON.stringify does; anything JSON has no form for is refused rather
 * than written some way a reader of the digest could not reproduce.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && isPlainData(value)) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: a ${describe(value)} has no JSON form`);
}

function isPlainData(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) return (value.constructor as { name?: string } | undefined)?.name ?? 'object';
  return typeof value;
}
