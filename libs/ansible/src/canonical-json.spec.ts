import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth, whatever order they were built in', () => {
    const a = { b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } };
    const b = { a: { c: 'x', d: [1, { y: null, z: true }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('keeps array order (it means something)', () => {
    expect(canonicalJson(['b', 'a'])).not.toBe(canonicalJson(['a', 'b']));
  });

  it('sorts by UTF-16 code units, as RFC 8785 does (not by locale)', () => {
    expect(canonicalJson({ é: 1, z: 2, Z: 3, '\u{1F600}': 4, '\uFFFF': 5 })).toBe('{"Z":3,"z":2,"é":1,"\u{1F600}":4,"\uFFFF":5}');
  });

  it('writes strings and numbers as JSON.stringify does, with no whitespace', () => {
    expect(canonicalJson({ s: 'a "q" \\ \n é', n: 1.5e-7, i: 10, neg: -0 })).toBe('{"i":10,"n":1.5e-7,"neg":0,"s":"a \\"q\\" \\\\ \\n é"}');
  });

  it('leaves out undefined properties, and writes undefined in arrays as null (as JSON.stringify)', () => {
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });

  it('refuses what JSON has no form for, rather than writing it some unreproducible way', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson({ n: Infinity })).toThrow(/Infinity/);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/Date/);
    expect(() => canonicalJson({ r: /x/ })).toThrow(/RegExp/);
    expect(() => canonicalJson({ m: new Map() })).toThrow(/Map/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
  });

  it('takes objects without a prototype (how catalog maps may be built)', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 2, a: 1 });
    expect(canonicalJson(bare)).toBe('{"a":1,"b":2}');
  });
});
