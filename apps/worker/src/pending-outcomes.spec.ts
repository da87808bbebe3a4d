import { describe, expect, it } from 'vitest';
import { parsePendingOutcome } from './pending-outcomes.js';

const valid = {
  releaseId: 3,
  workerId: 'w1',
  outcome: { status: 'failed', exitCode: 2, reason: 'x', recap: null, finishedAt: '2026-12-01T10:00:00.000Z' },
  unstored: { firstSeq: 5, lines: ['a', 'b'] },
};

describe('parsePendingOutcome', () => {
  it('reads back what save() wrote, with finishedAt as a Date', () => {
    const parsed = parsePendingOutcome(JSON.stringify(valid));
    if (!('pending' in parsed)) throw new Error(parsed.error);
    expect(parsed.pending.outcome.finishedAt).toEqual(new Date('2026-12-01T10:00:00.000Z'));
    expect(parsed.pending.unstored).toEqual({ firstSeq: 5, lines: ['a', 'b'] });
  });

  it.each([
    ['{oops', 'not JSON'],
    [JSON.stringify({ ...valid, releaseId: 'x' }), 'releaseId'],
    [JSON.stringify({ ...valid, outcome: { ...valid.outcome, status: 'running' } }), 'outcome.status'],
    [JSON.stringify({ ...valid, outcome: { ...valid.outcome, finishedAt: 'yesterday' } }), 'outcome.finishedAt'],
    [JSON.stringify({ ...valid, unstored: { firstSeq: 1, lines: [1] } }), 'unstored.lines'],
  ])('refuses %s', (json, why) => {
    const parsed = parsePendingOutcome(json);
    expect('error' in parsed && parsed.error).toContain(why);
  });
});
