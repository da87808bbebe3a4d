import { describe, expect, it } from 'vitest';
import { duration, formatTable, pageSummary } from './table.js';

describe('CLI tables', () => {
  it('pads every column to its widest cell under an upper-case header', () => {
    expect(formatTable(['id', 'status', 'template'], [['1', 'succeeded', 'hello'], ['12', 'queued', 'deploy-web']]).split('\n')).toEqual([
      'ID  STATUS     TEMPLATE',
      '1   succeeded  hello',
      '12  queued     deploy-web',
    ]);
  });

  it('durations', () => {
    expect(duration(null, null)).toBe('-');
    expect(duration('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.250Z')).toBe('1.3s');
    expect(duration('2026-01-01T00:00:00.000Z', '2026-01-01T00:03:04.000Z')).toBe('3m 04s');
    expect(duration('2026-01-01T00:00:00.000Z', '2026-01-01T02:05:00.000Z')).toBe('2h 05m');
    expect(duration('2026-01-01T00:00:00.000Z', null, Date.parse('2026-01-01T00:00:02.000Z'))).toBe('2.0s');
  });

  it('says how many are shown and how to see older ones', () => {
    expect(pageSummary(3, null, false)).toBe('3 shown');
    expect(pageSummary(2, 1234, false)).toBe('2 shown (older: --before 1234)');
    expect(pageSummary(1, null, true)).toBe('1 shown (the oldest)');
    expect(pageSummary(0, null, false)).toBe('none');
    expect(pageSummary(0, null, true)).toBe('none older');
  });
});
