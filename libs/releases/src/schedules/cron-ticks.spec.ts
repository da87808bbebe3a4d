import { describe, expect, it } from 'vitest';
import { cronProblem, lastTickAtOrBefore, nextTicks, ticksAfter } from './cron-ticks.js';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('cron ticks in a time zone', () => {
  it('a daily 02:30 in Europe/Berlin is at 01:30Z in winter and 00:30Z in summer', () => {
    expect(iso(nextTicks('30 2 * * *', 'Europe/Berlin', new Date('2026-01-10T00:00:00Z'), 1))).toEqual(['2026-01-10T01:30:00.000Z']);
    expect(iso(nextTicks('30 2 * * *', 'Europe/Berlin', new Date('2026-07-10T00:00:00Z'), 1))).toEqual(['2026-07-10T00:30:00.000Z']);
  });

  describe('spring-forward: a skipped wall time does not run that day', () => {
    it('Europe/Berlin, 29 March 2026 (02:00 → 03:00): daily 02:30 runs on the 28th and the 30th only', () => {
      const ticks = ticksAfter('30 2 * * *', 'Europe/Berlin', new Date('2026-03-27T12:00:00Z'), 10, new Date('2026-03-31T00:00:00Z'));
      expect(iso(ticks)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    });

    it('America/New_York, 8 March 2026 (02:00 → 03:00): daily 02:30 skips the 8th; hourly :30 has no 02:30 and no doubled 03:30', () => {
      const daily = ticksAfter('30 2 * * *', 'America/New_York', new Date('2026-03-07T12:00:00Z'), 10, new Date('2026-03-10T00:00:00Z'));
      expect(iso(daily)).toEqual(['2026-03-09T06:30:00.000Z']);
      const hourly = ticksAfter('30 * * * *', 'America/New_York', new Date('2026-03-08T05:00:00Z'), 3, new Date('2026-03-09T00:00:00Z'));
      // 00:30 EST, 01:30 EST, then 03:30 EDT
      expect(iso(hourly)).toEqual(['2026-03-08T05:30:00.000Z', '2026-03-08T06:30:00.000Z', '2026-03-08T07:30:00.000Z']);
    });
  });

  describe('fall-back: a repeated wall time runs once, at its first occurrence', () => {
    it('America/New_York, 1 November 2026 (02:00 → 01:00): daily 01:30 runs once, in EDT', () => {
      const ticks = ticksAfter('30 1 * * *', 'America/New_York', new Date('2026-10-31T12:00:00Z'), 10, new Date('2026-11-02T00:00:00Z'));
      expect(iso(ticks)).toEqual(['2026-11-01T05:30:00.000Z']);
    });

    it('America/New_York: hourly :30 runs 01:30 once (EDT), then 02:30 EST', () => {
      const ticks = ticksAfter('30 * * * *', 'America/New_York', new Date('2026-11-01T04:00:00Z'), 3, new Date('2026-11-02T00:00:00Z'));
      expect(iso(ticks)).toEqual(['2026-11-01T04:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T07:30:00.000Z']);
    });

    it('Europe/Berlin, 25 October 2026 (03:00 → 02:00): every 30 minutes in hour 2 runs 02:00 and 02:30 once each', () => {
      const ticks = ticksAfter('*/30 2 * * *', 'Europe/Berlin', new Date('2026-10-24T22:00:00Z'), 10, new Date('2026-10-25T06:00:00Z'));
      expect(iso(ticks)).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z']);
    });
  });

  it('the latest start at or before an instant (a recurring window), respecting the same rule', () => {
    expect(lastTickAtOrBefore('0 18 * * 5', 'Europe/Berlin', new Date('2026-12-05T10:00:00Z'), new Date('2026-11-01T00:00:00Z'))?.toISOString()).toBe('2026-12-04T17:00:00.000Z');
    expect(lastTickAtOrBefore('0 18 * * 5', 'Europe/Berlin', new Date('2026-12-05T10:00:00Z'), new Date('2026-12-05T00:00:00Z'))).toBeNull();
  });

  describe('bad input names the field', () => {
    it.each([
      ['0 0 30 2 *', 'UTC', 'cron'],
      ['0 0 31 4 *', 'UTC', 'cron'],
      ['not a cron', 'UTC', 'cron'],
      ['* * *', 'UTC', 'cron'],
      ['0 3 * * *', 'Mars/Olympus', 'timeZone'],
      ['0 3 * * *', '+01:00', 'timeZone'],
    ])('%s in %s → %s', (cron, zone, field) => {
      expect(cronProblem(cron, zone)).toMatchObject({ field });
    });

    it('a good one has no problem', () => {
      expect(cronProblem('0 3 * * 1-5', 'Europe/Berlin')).toBeNull();
      expect(cronProblem('*/5 * * * * *', 'UTC')).toBeNull();
    });
  });
});
