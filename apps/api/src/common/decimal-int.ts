/** At most 15 digits: every such number is a safe integer, and no id or count here comes near it. */
const DECIMAL = /^(0|[1-9]\d{0,14})$/;

/**
 * A whole number written in plain decimal digits, else NaN. Number() and parseInt() also read "0x1", "1e3",
 * " 1", "1.0" and "" (issue 20, item 3); an id or a count in a URL is only ever its digits. Numbers already
 * parsed (a JSON body) pass through for the validators to judge.
 */
export function decimalInt(value: unknown): number {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && DECIMAL.test(value) ? Number(value) : Number.NaN;
}
