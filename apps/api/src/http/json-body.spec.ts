import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, tooDeepAt } from './json-body.js';

const nested = (depth: number) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('jsonDepthExceeds', () => {
  it('counts objects and arrays, at the edge', () => {
    expect(jsonDepthExceeds(nested(10), 10)).toBe(false);
    expect(jsonDepthExceeds(nested(11), 10)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from('{"a":{"b":[{"c":1}]}}'), 4)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('{"a":{"b":[{"c":1}]}}'), 3)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonDepthExceeds(Buffer.from(`{"a":"${'['.repeat(50)}"}`), 2)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(`{"a":"\\"${'{'.repeat(50)}"}`), 2)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(`{"a":"\\\\",${'['.repeat(5)}`), 3)).toBe(true);
  });

  it('handles 100 000 levels without recursion', () => {
    expect(jsonDepthExceeds(nested(100_000), 512)).toBe(true);
  });

  it('names where it went too deep by the keys leading there', () => {
    expect(tooDeepAt(Buffer.from(`{"template":"x","extraVars":{"deep":${'['.repeat(20)}${']'.repeat(20)}}}`), 10)).toBe('extraVars.deep');
    expect(tooDeepAt(Buffer.from(`{"a":{"b\\"c":{"d":${'['.repeat(20)}`), 10)).toBe('a.b"c');
    expect(tooDeepAt(nested(20), 10)).toBe('body');
    expect(tooDeepAt(Buffer.from('{"a":{"b":1},"c":[[1]]}'), 3)).toBeNull();
  });
});
