import { describe, expect, it } from 'vitest';
import { LogBuffer } from './log-buffer';
import { findMatches, splitOnMatches } from './log-search';

describe('LogBuffer', () => {
  it('places lines by number: repeats are ignored, overlaps keep only the new part', () => {
    const buffer = new LogBuffer();
    expect(buffer.append(1, ['a', 'b'])).toBe(2);
    expect(buffer.append(2, ['b', 'c'])).toBe(1);
    expect(buffer.append(1, ['a'])).toBe(0);
    expect([0, 1, 2].map((i) => buffer.line(i))).toEqual(['a', 'b', 'c']);
    expect(buffer.lastSeq).toBe(3);
  });

  it('refuses a batch that would leave a gap, so the caller fills it first', () => {
    const buffer = new LogBuffer();
    buffer.append(1, ['a']);
    expect(buffer.append(3, ['c'])).toBe(-1);
    expect(buffer.length).toBe(1);
    buffer.append(2, ['b']);
    expect(buffer.append(3, ['c'])).toBe(1);
  });
});

describe('log search', () => {
  it('matches the visible text case-insensitively, ignoring colour codes, from a given line on', () => {
    const buffer = new LogBuffer();
    buffer.append(1, ['\x1b[0;32mok: [web1]\x1b[0m', 'TASK [Deploy]', 'ok: [web2]', 'changed: [WEB1]']);
    expect(findMatches(buffer, 'web1')).toEqual([0, 3]);
    expect(findMatches(buffer, '0;32')).toEqual([]);
    expect(findMatches(buffer, 'ok:', 1)).toEqual([2]);
    expect(findMatches(buffer, '')).toEqual([]);
  });

  it('splits text around every occurrence for highlighting', () => {
    expect(splitOnMatches('Line line LINE', 'line')).toEqual([
      { text: 'Line', match: true },
      { text: ' ', match: false },
      { text: 'line', match: true },
      { text: ' ', match: false },
      { text: 'LINE', match: true },
    ]);
    expect(splitOnMatches('abc', 'x')).toEqual([{ text: 'abc', match: false }]);
  });
});
