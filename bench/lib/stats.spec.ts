import { describe, expect, it } from 'vitest';
import { round } from './stats.js';

describe('round', () => {
  it('rounds to the digits asked for', () => {
    expect(round(1.26, 1)).toBe(1.3);
    expect(round(102.4, 0)).toBe(102);
  });

  it('never answers -0 (JSON writes it as 0, so a written figure would not read back as printed)', () => {
    expect(Object.is(round(-0.01, 1), 0)).toBe(true);
    expect(Object.is(round(-0.4, 0), 0)).toBe(true);
  });
});
