import { describe, expect, it } from 'vitest';
import { toUnsafeYaml } from './unsafe-yaml.js';

describe('toUnsafeYaml', () => {
  it('tags strings (values and keys) but not collections or other scalars', () => {
    expect(toUnsafeYaml({ a: ['x', 1, true, null], b: {} })).toBe(
      '{!unsafe "a": [!unsafe "x", 1, true, null], !unsafe "b": {}}',
    );
  });

  it('writes exponent numbers so YAML 1.1 still reads them as floats', () => {
    expect(toUnsafeYaml([1e21, 1e-7, 2.5e-8, -3])).toBe('[1.0e+21, 1.0e-7, 2.5e-8, -3]');
  });

  it('escapes everything outside printable ASCII', () => {
    expect(toUnsafeYaml('é\u0085\u2028\u007f😀\n')).toBe('!unsafe "\\u00e9\\u0085\\u2028\\u007f\\U0001f600\\n"');
  });

  it('follows JSON rules for dates, undefined and non-finite numbers', () => {
    expect(toUnsafeYaml({ d: new Date(0), u: undefined, n: Number.NaN, l: [undefined] })).toBe(
      '{!unsafe "d": !unsafe "1970-01-01T00:00:00.000Z", !unsafe "n": null, !unsafe "l": [null]}',
    );
  });

  it('refuses values JSON cannot represent', () => {
    expect(() => toUnsafeYaml(undefined)).toThrow(TypeError);
    expect(() => toUnsafeYaml(10n)).toThrow(TypeError);
  });
});
