import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogHolder } from '@slipway/ansible';
import type { SlipwayConfig } from '@slipway/config';
import { AuditWriter } from '@slipway/db';
import {
  ApprovalStore, FreezeStore, IdempotencyStore, ScheduleCatalogCheck, IdempotentLaunch, ReleaseCommits, ReleaseLauncher, ReleaseStore, ScheduleStore, ScheduleTicker, tickIdempotencyKey,
} from '@slipway/releases';
import { type MediumDb, createMediumDb } from './support/medium-db.js';
import { helloCatalog } from '../support/launcher-catalog.js';

/*
 * The schedules ticker against real MariaDB: two tickers (as on two workers, each with its own launcher,
 * clocks apart) racing over the same ticks make exactly one release per tick; a ticker that died after
 * claiming a tick (and after creating its release, or before) is finished by the next pass without a
 * second release; a tick in a freeze is recorded as skipped; missed ticks follow the grace.
 */
const config = { secretKeys: { current: null, previous: [] }, git: null } as unknown as SlipwayConfig;
let db: MediumDb;
let schedules: ScheduleStore;
let holder: { current: typeof helloCatalog };

function ticker(): { ticker: ScheduleTicker; launcher: ReleaseLauncher } {
  const store = new ReleaseStore(db.uow);
  const idempotency = new IdempotentLaunch(new IdempotencyStore(db.uow), store);
  const queue = { enqueue: async () => undefined };
  const launcher = new ReleaseLauncher(store, queue, holder as unknown as CatalogHolder, new ReleaseCommits(config), idempotency, new AuditWriter(db.uow), config, new FreezeStore(db.uow), new ApprovalStore(db.uow, new AuditWriter(db.uow), {}));
  return { ticker: new ScheduleTicker(new ScheduleStore(db.uow), launcher), launcher };
}

async function newSchedule(cursorAt: Date, extra: Partial<Parameters<ScheduleStore['create']>[0]> = {}) {
  return schedules.create({
    name: `s-${Math.random().toString(36).slice(2, 10)}`, template: 'hello', inventory: 'local', extraVars: { who: 'nightly' },
    cron: '* * * * *', timeZone: 'Europe/Berlin', state: 'active', graceMs: 15 * 60_000, cursorAt, createdBy: 'admin', ...extra,
  });
}

const releasesOf = (id: number) => db.query<{ id: number }>('SELECT id FROM releases WHERE requested_by = ? ORDER BY id', [`schedule ${id}`]);
const ticksOf = (id: number) =>
  db.query<{ tick_at: Date; outcome: string; release_id: number | null; detail: string | null }>('SELECT tick_at, outcome, release_id, detail FROM schedule_ticks WHERE schedule_id = ? ORDER BY tick_at', [id]);

beforeAll(async () => {
  db = await createMediumDb('schedule_ticker');
  schedules = new ScheduleStore(db.uow);
});
beforeEach(() => {
  holder = { current: helloCatalog };
});
afterAll(() => db?.drop());

describe('ScheduleTicker (medium: real MariaDB)', () => {
  it('two tickers racing, clocks 2 s apart, over 3 due ticks of 2 schedules: exactly one release per tick', async () => {
    const now = new Date('2026-12-07T10:00:30Z');
    const a = await newSchedule(new Date('2026-12-07T09:57:30Z'), { graceMs: 10 * 60_000 });
    const b = await newSchedule(new Date('2026-12-07T09:57:30Z'), { graceMs: 10 * 60_000, cron: '*/1 * * * *' });
    const [one, two] = [ticker(), ticker()];
    // Passes of both at once, several times (a pass repeated finds nothing new).
    await Promise.all([one.ticker.pass(now), two.ticker.pass(new Date(now.getTime() + 2_000)), one.ticker.pass(now), two.ticker.pass(now)]);
    for (const schedule of [a, b]) {
      const ticks = await ticksOf(schedule.id);
      // 09:58 and 09:59 are missed (a later tick was due), 10:00 launched once.
      expect(ticks.map((t) => [t.tick_at.toISOString(), t.outcome])).toEqual([
        ['2026-12-07T09:58:00.000Z', 'missed'], ['2026-12-07T09:59:00.000Z', 'missed'], ['2026-12-07T10:00:00.000Z', 'launched'],
      ]);
      const releases = await releasesOf(schedule.id);
      expect(releases).toHaveLength(1);
      expect(Number(ticks[2].release_id)).toBe(Number(releases[0].id));
    }
  });

  it('a ticker killed after launching but before recording: the next pass records the same release, makes no other', async () => {
    const tickAt = new Date('2026-12-07T11:00:00Z');
    const s = await newSchedule(new Date('2026-12-07T10:59:30Z'));
    // What the dead ticker left: its claim, and the release it launched with the tick's key.
    await schedules.claimTick(s.id, tickAt, 'launching', 'dead-ticker');
    const { launcher } = ticker();
    const made = await launcher.launch({ template: 'hello', inventory: 'local', extraVars: { who: 'nightly' } }, { kind: 'schedule', id: s.id }, { idempotencyKey: tickIdempotencyKey(s.id, tickAt) });
    if (!made.ok) throw new Error(made.refusal.message);
    await ticker().ticker.pass(new Date('2026-12-07T11:00:20Z'));
    expect((await releasesOf(s.id)).map((r) => Number(r.id))).toEqual([made.release.id]);
    expect(await ticksOf(s.id)).toMatchObject([{ outcome: 'launched', release_id: made.release.id }]);
  });

  it('a ticker killed after claiming, before launching: the next pass launches it once', async () => {
    const tickAt = new Date('2026-12-07T12:00:00Z');
    const s = await newSchedule(new Date('2026-12-07T11:59:30Z'));
    await schedules.claimTick(s.id, tickAt, 'launching', 'dead-ticker');
    await ticker().ticker.pass(new Date('2026-12-07T12:00:10Z'));
    await ticker().ticker.pass(new Date('2026-12-07T12:00:20Z'));
    expect(await releasesOf(s.id)).toHaveLength(1);
    expect(await ticksOf(s.id)).toMatchObject([{ outcome: 'launched' }]);
  });

  it('a tick older than the grace when Slipway comes back is recorded as missed, nothing launched', async () => {
    const s = await newSchedule(new Date('2026-12-07T12:59:30Z'), { cron: '0 13 * * *', timeZone: 'UTC', graceMs: 60_000 });
    await ticker().ticker.pass(new Date('2026-12-07T13:05:00Z'));
    expect(await releasesOf(s.id)).toHaveLength(0);
    expect(await ticksOf(s.id)).toMatchObject([{ outcome: 'missed', detail: expect.stringContaining('past the grace') }]);
  });

  it('a tick inside a freeze window is recorded as skipped, naming the window', async () => {
    const s = await newSchedule(new Date('2026-12-07T13:59:30Z'), { template: 'hello' });
    const freezes = new FreezeStore(db.uow);
    // The launcher asks the real clock whether a freeze is in force: a window around the real now.
    const endsAt = new Date(Date.now() + 3_600_000);
    const window = await freezes.create({ name: `freeze-${s.id}`, startsAt: new Date(Date.now() - 3_600_000).toISOString(), endsAt: endsAt.toISOString() }, 'admin');
    try {
      await ticker().ticker.pass(new Date('2026-12-07T14:00:05Z'));
    } finally {
      await freezes.delete(window.id);
    }
    expect(await releasesOf(s.id)).toHaveLength(0);
    expect(await ticksOf(s.id)).toMatchObject([{ outcome: 'skipped', detail: expect.stringContaining(`"freeze-${s.id}" is in force until ${endsAt.toISOString()}`) }]);
  });

  it('a catalog reload that drops the template: the tick is invalid and the schedule paused with the reason', async () => {
    const s = await newSchedule(new Date('2026-12-07T14:59:30Z'));
    holder.current = { ...helloCatalog, templates: {} };
    await ticker().ticker.pass(new Date('2026-12-07T15:00:05Z'));
    expect(await ticksOf(s.id)).toMatchObject([{ outcome: 'invalid', detail: expect.stringContaining('unknown template "hello"') }]);
    const paused = await schedules.findById(s.id);
    expect(paused).toMatchObject({ state: 'paused', pausedReason: expect.stringContaining('unknown template "hello"') });
    expect(await releasesOf(s.id)).toHaveLength(0);
  });

  it('a catalog reload whose schema no longer takes the vars pauses the schedule at once, with the reason', async () => {
    const s = await newSchedule(new Date(), { extraVars: { who: 'nightly' } });
    const { launcher } = ticker();
    const strict = { ...helloCatalog.templates.hello, openVars: false, vars: {} };
    holder.current = { ...helloCatalog, templates: { hello: strict } };
    const paused = await new ScheduleCatalogCheck(schedules, launcher).pauseInvalid('catalog reload (test)');
    expect(paused).toContain(s.id);
    expect(await schedules.findById(s.id)).toMatchObject({ state: 'paused', pausedReason: expect.stringMatching(/^paused by catalog reload \(test\): extraVars\.who/) });
  });
});

describe('a freeze override as stored (medium)', () => {
  it('is read back with the release', async () => {
    const freezes = new FreezeStore(db.uow);
    const window = await freezes.create({ name: 'stored-override', startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 600_000).toISOString() }, 'admin');
    try {
      const { launcher } = ticker();
      const made = await launcher.launch({ template: 'hello', overrideFreeze: 'restore service after INC-7' }, { kind: 'token', name: 'root' });
      if (!made.ok) throw new Error(made.refusal.message);
      const read = await new ReleaseStore(db.uow).findById(made.release.id);
      expect(read?.freezeOverride).toEqual({ windowId: window.id, window: 'stored-override', reason: 'restore service after INC-7', by: 'root' });
    } finally {
      await freezes.delete(window.id);
    }
  });
});
