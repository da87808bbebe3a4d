import { describe, expect, it } from 'vitest';
import { type FreezeWindowRecord, blockingOccurrence, changedFreezeWindow, freezeWindowProblems, frozenStart, occurrenceAt, occurrencesStarting } from './freeze-window.js';

const base = { templates: null, inventories: null, createdBy: 'admin', createdAt: new Date(0), startsAt: null, endsAt: null, cron: null, durationMinutes: null, timeZone: null };
const oneOff: FreezeWindowRecord = { ...base, id: 1, name: 'year-end', startsAt: new Date('2026-12-20T00:00:00Z'), endsAt: new Date('2027-01-04T00:00:00Z') };
// Every Friday 16:00 Berlin time for 64 h (to Monday 08:00).
const weekend: FreezeWindowRecord = { ...base, id: 2, name: 'weekend', cron: '0 16 * * 5', durationMinutes: 64 * 60, timeZone: 'Europe/Berlin', templates: ['deploy'] };

describe('freeze windows', () => {
  it('a one-off window is in force from its start (inclusive) to its end (exclusive)', () => {
    expect(occurrenceAt(oneOff, new Date('2026-12-19T23:59:59Z'))).toBeNull();
    expect(occurrenceAt(oneOff, new Date('2026-12-20T00:00:00Z'))?.endsAt.toISOString()).toBe('2027-01-04T00:00:00.000Z');
    expect(occurrenceAt(oneOff, new Date('2027-01-04T00:00:00Z'))).toBeNull();
  });

  it('a recurring window: the occurrence started by the latest tick, while it lasts (Berlin winter: 15:00Z)', () => {
    expect(occurrenceAt(weekend, new Date('2026-12-04T14:59:00Z'))).toBeNull();
    const saturday = occurrenceAt(weekend, new Date('2026-12-05T12:00:00Z'));
    expect(saturday && [saturday.startsAt.toISOString(), saturday.endsAt.toISOString()]).toEqual(['2026-12-04T15:00:00.000Z', '2026-12-07T07:00:00.000Z']);
    expect(occurrenceAt(weekend, new Date('2026-12-07T07:00:00Z'))).toBeNull();
  });

  it('blocks only the templates and inventories it names; of several, the one ending last', () => {
    const saturday = new Date('2026-12-26T12:00:00Z');
    expect(blockingOccurrence([weekend], 'other', 'local', saturday)).toBeNull();
    expect(blockingOccurrence([weekend, oneOff], 'deploy', 'local', saturday)?.window.name).toBe('year-end');
    const prodOnly = { ...oneOff, id: 3, name: 'prod', inventories: ['prod'] };
    expect(blockingOccurrence([prodOnly], 'deploy', 'staging', saturday)).toBeNull();
    expect(blockingOccurrence([prodOnly], 'deploy', 'prod', saturday)?.window.name).toBe('prod');
  });

  it('upcoming occurrences: those starting in the range', () => {
    const next = occurrencesStarting(weekend, new Date('2026-12-03T00:00:00Z'), new Date('2026-12-04T23:00:00Z'));
    expect(next.map((o) => o.startsAt.toISOString())).toEqual(['2026-12-04T15:00:00.000Z']);
    expect(occurrencesStarting(oneOff, new Date('2026-12-19T00:00:00Z'), new Date('2026-12-20T00:00:00Z'))).toHaveLength(1);
  });

  it.each([
    [{ name: 'x', startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }, 'endsAt'],
    [{ name: 'x', startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }, 'endsAt'],
    [{ name: 'x', startsAt: '2030-01-01T00:00:00Z' }, 'endsAt'],
    [{ name: 'x', cron: '0 0 30 2 *', durationMinutes: 60, timeZone: 'UTC' }, 'cron'],
    [{ name: 'x', cron: '0 16 * * 5', durationMinutes: 60, timeZone: 'Nowhere/City' }, 'timeZone'],
    [{ name: 'x', cron: '0 16 * * 5', timeZone: 'UTC' }, 'durationMinutes'],
    [{ name: 'x', cron: '0 16 * * 5', durationMinutes: 60, timeZone: 'UTC', startsAt: '2030-01-01T00:00:00Z' }, 'cron'],
    [{ name: 'x' }, 'startsAt'],
  ])('bad window %j names %s', (input, field) => {
    expect(freezeWindowProblems(input).map((p) => p.field)).toContain(field);
  });

  it('good windows have no problem', () => {
    expect(freezeWindowProblems({ name: 'x', startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-02T00:00:00Z' })).toEqual([]);
    expect(freezeWindowProblems({ name: 'x', cron: '0 16 * * 5', durationMinutes: 60, timeZone: 'Europe/Berlin' })).toEqual([]);
  });

  it('a queued release about to start: the launch rule again, and an override lets it run', () => {
    const inWindow = new Date('2026-12-26T12:00:00Z');
    const frozen = frozenStart([oneOff], { template: 'deploy', inventory: 'local', freezeOverride: null }, inWindow);
    expect(frozen?.occurrence.window.name).toBe('year-end');
    expect(frozen?.reason).toContain('"year-end" is in force until 2027-01-04T00:00:00.000Z');
    expect(frozenStart([oneOff], { template: 'deploy', inventory: 'local', freezeOverride: { window: 'other' } }, inWindow)).toBeNull();
    expect(frozenStart([oneOff], { template: 'deploy', inventory: 'local', freezeOverride: null }, new Date('2027-01-04T00:00:00Z'))).toBeNull();
  });

  it('an edit: given fields replace, null clears, absent keeps; the result is checked as a new window', () => {
    const toRecurring = changedFreezeWindow(oneOff, { startsAt: null, endsAt: null, cron: '0 16 * * 5', durationMinutes: 60, timeZone: 'UTC', templates: ['a'] });
    expect(toRecurring).toEqual({ name: 'year-end', cron: '0 16 * * 5', durationMinutes: 60, timeZone: 'UTC', templates: ['a'] });
    expect(freezeWindowProblems(toRecurring)).toEqual([]);
    const both = changedFreezeWindow(oneOff, { cron: '0 16 * * 5', durationMinutes: 60, timeZone: 'UTC' });
    expect(freezeWindowProblems(both).map((p) => p.field)).toEqual(['cron']);
    const reversed = changedFreezeWindow(oneOff, { endsAt: '2026-12-01T00:00:00Z' });
    expect(freezeWindowProblems(reversed, new Date('2026-11-01T00:00:00Z')).map((p) => p.field)).toEqual(['endsAt']);
    expect(changedFreezeWindow(weekend, { templates: null }).templates).toBeUndefined();
  });
});
