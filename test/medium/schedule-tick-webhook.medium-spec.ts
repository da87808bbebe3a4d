import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogHolder } from '@slipway/ansible';
import type { SlipwayConfig } from '@slipway/config';
import { AuditWriter } from '@slipway/db';
import { ApprovalStore, FreezeStore, IdempotencyStore, IdempotentLaunch, ReleaseCommits, ReleaseLauncher, ReleaseStore, ScheduleStore, ScheduleTicker } from '@slipway/releases';
import { helloCatalog } from '../support/launcher-catalog.js';
import { type MediumDb, ReplyLosingUnitOfWork, RolledBack, RollingBackUnitOfWork, createMediumDb } from './support/medium-db.js';

/*
 * The `schedule.tick-skipped` webhook event (issue 23) is written to the outbox in the transaction that
 * records the tick (skipped in a freeze window, or missed): both or neither, and once for a retried unit.
 */
const config = { secretKeys: { current: null, previous: [] }, git: null } as unknown as SlipwayConfig;
let db: MediumDb;
let schedules: ScheduleStore;

function ticker(store = schedules): ScheduleTicker {
  const releases = new ReleaseStore(db.uow);
  const idempotency = new IdempotentLaunch(new IdempotencyStore(db.uow), releases);
  const launcher = new ReleaseLauncher(
    releases, { enqueue: async () => undefined }, { current: helloCatalog } as unknown as CatalogHolder, new ReleaseCommits(config), idempotency, new AuditWriter(db.uow), config,
    new FreezeStore(db.uow), new ApprovalStore(db.uow, new AuditWriter(db.uow), config),
  );
  return new ScheduleTicker(store, launcher);
}

async function newSchedule(cursorAt: Date, extra: Partial<Parameters<ScheduleStore['create']>[0]> = {}) {
  return schedules.create({
    name: `s-${Math.random().toString(36).slice(2, 10)}`, template: 'hello', inventory: 'local', extraVars: { who: 'nightly' },
    cron: '0 13 * * *', timeZone: 'UTC', state: 'active', graceMs: 60_000, cursorAt, createdBy: 'admin', ...extra,
  });
}

async function addEndpoint(events: string[], templates: string[] | null = null): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO webhook_endpoints (url, events, templates, secret_sealed, enabled, created_at, created_by)
     VALUES ('http://127.0.0.1:9/hook', ?, ?, 'slipway:v1:sealed', 1, NOW(3), 'medium') RETURNING id`,
    [JSON.stringify(events), templates ? JSON.stringify(templates) : null],
  );
  return Number(rows[0].id);
}

const deliveries = async () =>
  (await db.query<{ endpoint_id: number; event_type: string; release_id: number | null; payload: string }>('SELECT endpoint_id, event_type, release_id, payload FROM webhook_deliveries ORDER BY id')).map((r) => ({
    endpoint: Number(r.endpoint_id),
    type: r.event_type,
    releaseId: r.release_id,
    payload: JSON.parse(r.payload) as { type: string; data: Record<string, unknown> },
  }));
const ticksOf = (id: number) => db.query<{ outcome: string }>('SELECT outcome FROM schedule_ticks WHERE schedule_id = ? ORDER BY tick_at', [id]);

/** A freeze window around the real now (the launcher asks the real clock), removed after `work`. */
async function inFreeze(name: string, work: () => Promise<void>): Promise<Date> {
  const freezes = new FreezeStore(db.uow);
  const endsAt = new Date(Date.now() + 3_600_000);
  const window = await freezes.create({ name, startsAt: new Date(Date.now() - 3_600_000).toISOString(), endsAt: endsAt.toISOString() }, 'admin');
  try {
    await work();
  } finally {
    await freezes.delete(window.id);
  }
  return endsAt;
}

beforeAll(async () => {
  db = await createMediumDb('schedule_tick_webhook');
  schedules = new ScheduleStore(db.uow);
});
beforeEach(() => db.truncate('webhook_attempts', 'webhook_deliveries', 'webhook_endpoints'));
afterAll(() => db?.drop());

describe('schedule.tick-skipped in the outbox (medium)', () => {
  it('a tick skipped in a freeze writes one delivery per interested endpoint, naming schedule, template, inventory, tick, reason and window', async () => {
    const wants = await addEndpoint(['schedule.tick-skipped']);
    await addEndpoint(['release.queued']);
    await addEndpoint(['schedule.tick-skipped'], ['another-template']);
    const s = await newSchedule(new Date('2026-12-07T12:59:30Z'), { graceMs: 15 * 60_000 });
    const endsAt = await inFreeze(`freeze-${s.id}`, () => ticker().pass(new Date('2026-12-07T13:00:05Z')));
    expect(await ticksOf(s.id)).toEqual([{ outcome: 'skipped' }]);
    const written = await deliveries();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ endpoint: wants, type: 'schedule.tick-skipped', releaseId: null });
    expect(written[0].payload).toEqual({
      type: 'schedule.tick-skipped',
      timestamp: expect.any(String) as string,
      data: {
        schedule: { id: s.id, name: s.name, template: 'hello', inventory: 'local' },
        tick: { at: '2026-12-07T13:00:00.000Z', outcome: 'skipped', reason: expect.stringContaining(`"freeze-${s.id}" is in force`) as string, window: { name: `freeze-${s.id}`, endsAt: endsAt.toISOString() } },
        links: { schedule: `/api/v1/schedules/${s.id}`, dashboard: '/schedules' },
      },
    });
  });

  it('a missed tick writes one too (window null, the reason why)', async () => {
    await addEndpoint(['schedule.tick-skipped']);
    const s = await newSchedule(new Date('2026-12-06T12:59:30Z'));
    await ticker().pass(new Date('2026-12-06T13:05:00Z'));
    expect(await ticksOf(s.id)).toEqual([{ outcome: 'missed' }]);
    const [written] = await deliveries();
    expect(written?.payload.data).toMatchObject({ tick: { at: '2026-12-06T13:00:00.000Z', outcome: 'missed', reason: expect.stringContaining('past the grace') as string, window: null } });
  });

  it('atomic: a tick write that rolls back leaves neither the tick nor its delivery', async () => {
    await addEndpoint(['schedule.tick-skipped']);
    const s = await newSchedule(new Date('2026-12-05T12:59:30Z'));
    const failing = new ScheduleStore(new RollingBackUnitOfWork(db.uow));
    const event = { schedule: { id: s.id, name: s.name, template: 'hello', inventory: 'local' }, tick: { at: '2026-12-05T13:00:00.000Z', outcome: 'missed' as const, reason: 'down', window: null } };
    await expect(failing.claimTick(s.id, new Date('2026-12-05T13:00:00Z'), 'missed', 'c1', 'down', event)).rejects.toBeInstanceOf(RolledBack);
    expect(await ticksOf(s.id)).toEqual([]);
    // A claimed (launching) tick whose "skipped" outcome rolls back: still launching, nothing in the outbox.
    expect(await schedules.claimTick(s.id, new Date('2026-12-05T13:00:00Z'), 'launching', 'c2')).toBe(true);
    const skipped = { ...event, tick: { ...event.tick, outcome: 'skipped' as const, window: { name: 'w', endsAt: '2026-12-05T14:00:00.000Z' } } };
    await expect(failing.finishTick(s.id, new Date('2026-12-05T13:00:00Z'), 'skipped', null, 'frozen', skipped)).rejects.toBeInstanceOf(RolledBack);
    expect(await ticksOf(s.id)).toEqual([{ outcome: 'launching' }]);
    expect(await deliveries()).toEqual([]);
    // The same write committing: both.
    await schedules.finishTick(s.id, new Date('2026-12-05T13:00:00Z'), 'skipped', null, 'frozen', skipped);
    expect(await ticksOf(s.id)).toEqual([{ outcome: 'skipped' }]);
    expect(await deliveries()).toHaveLength(1);
    // Recorded already: a second finish (another ticker) applies nothing and writes no second delivery.
    await schedules.finishTick(s.id, new Date('2026-12-05T13:00:00Z'), 'skipped', null, 'frozen', skipped);
    expect(await deliveries()).toHaveLength(1);
  });

  it('a tick write retried after its reply was lost writes its delivery once', async () => {
    await addEndpoint(['schedule.tick-skipped']);
    const s = await newSchedule(new Date('2026-12-04T12:59:30Z'), { graceMs: 15 * 60_000 });
    const losing = new ReplyLosingUnitOfWork(db.uow);
    losing.loseReplyAfterCommit('record schedule tick');
    await inFreeze(`freeze-lost-${s.id}`, () => ticker(new ScheduleStore(losing)).pass(new Date('2026-12-04T13:00:05Z')));
    expect(losing.attempts.get('record schedule tick')).toBe(2);
    expect(await ticksOf(s.id)).toEqual([{ outcome: 'skipped' }]);
    expect(await deliveries()).toHaveLength(1);
  });
});
