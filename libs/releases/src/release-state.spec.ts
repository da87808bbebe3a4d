import { describe, expect, it } from 'vitest';
import { FINAL_STATUSES, TRANSITIONS, isFinal, sourcesOf } from './release-state.js';

describe('release state machine', () => {
  it('final states have no way out', () => {
    for (const status of FINAL_STATUSES) expect(TRANSITIONS[status]).toEqual([]);
    expect(isFinal('queued')).toBe(false);
    expect(isFinal('running')).toBe(false);
  });

  it('only queued releases start, and only from queued or running can a release end', () => {
    expect(sourcesOf('running')).toEqual(['queued']);
    expect(sourcesOf('succeeded')).toEqual(['running']);
    expect(sourcesOf('cancelled')).toEqual(['awaiting-approval', 'queued', 'running']);
  });
});

describe('awaiting approval', () => {
  it('is open, leaves only to queued (approved), rejected, expired or cancelled, and nothing else reaches those two', () => {
    expect(isFinal('awaiting-approval')).toBe(false);
    expect(TRANSITIONS['awaiting-approval']).toEqual(['queued', 'rejected', 'expired', 'cancelled']);
    expect(sourcesOf('rejected')).toEqual(['awaiting-approval']);
    expect(sourcesOf('expired')).toEqual(['awaiting-approval']);
    expect(isFinal('rejected') && isFinal('expired')).toBe(true);
  });
});

describe('interrupted', () => {
  it('is reached only from running (a queued release was never started, so nothing was interrupted)', () => {
    expect(sourcesOf('interrupted')).toEqual(['running']);
  });
});
