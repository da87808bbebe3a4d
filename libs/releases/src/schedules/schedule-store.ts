import { Injectable } from '@nestjs/common';
import type { ScheduleState, TickOutcome } from '@slipway/contracts';
import { UnitOfWork } from '@slipway/db';
import type { EntityManager } from 'typeorm';
import { type ScheduleTickEventData, writeScheduleTickEvent } from '../webhooks/webhook-outbox.js';

export interface ScheduleRecord {
  id: number;
  name: string;
  template: string;
  inventory: string;
  extraVars: Record<string, unknown>;
  cron: string;
  timeZone: string;
  state: ScheduleState;
  pausedReason: string | null;
  graceMs: number;
  /** Every tick at or before it has been dealt with. */
  cursorAt: Date;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface TickRecord {
  scheduleId: number;
  tickAt: Date;
  outcome: TickOutcome;
  releaseId: number | null;
  detail: string | null;
  recordedAt: Date;
}

export type NewSchedule = Omit<ScheduleRecord, 'id' | 'createdAt' | 'updatedAt' | 'pausedReason'> & { pausedReason?: string | null };

export class DuplicateScheduleError extends Error {}

type Row = Record<string, unknown>;

function toSchedule(row: Row): ScheduleRecord {
  const vars = row.extra_vars;
  return {
    id: Number(row.id),
    name: String(row.name),
    template: String(row.template),
    inventory: String(row.inventory),
    extraVars: (typeof vars === 'string' ? JSON.parse(vars) : vars) as Record<string, unknown>,
    cron: String(row.cron),
    timeZone: String(row.time_zone),
    state: row.state as ScheduleState,
    pausedReason: (row.paused_reason as string | null) ?? null,
    graceMs: Number(row.grace_ms),
    cursorAt: row.cursor_at as Date,
    createdBy: String(row.created_by),
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

function toTick(row: Row): TickRecord {
  return {
    scheduleId: Number(row.schedule_id),
    tickAt: row.tick_at as Date,
    outcome: row.outcome as TickOutcome,
    releaseId: row.release_id === null ? null : Number(row.release_id),
    detail: (row.detail as string | null) ?? null,
    recordedAt: row.recorded_at as Date,
  };
}

const clip = (text: string) => (text.length > 2000 ? `${text.slice(0, 1997)}...` : text);

/**
 * schedules and schedule_ticks. Every write is one unit of work and conditional or keyed (the tick's
 * unique (schedule_id, tick_at) key is the claim), so a retry after a lost reply changes nothing twice.
 */
@Injectable()
export class ScheduleStore {
  constructor(private readonly uow: UnitOfWork) {}

  async create(input: NewSchedule): Promise<ScheduleRecord> {
    const now = new Date();
    try {
      const id = await this.uow.run('create schedule', async (ds) => {
        const existing: Row[] = await ds.query('SELECT id FROM schedules WHERE name = ?', [input.name]);
        if (existing[0]) throw new DuplicateScheduleError(`a schedule named "${input.name}" exists`);
        const result: { insertId: number } = await ds.query(
          `INSERT INTO schedules (name, template, inventory, extra_vars, cron, time_zone, state, paused_reason, grace_ms, cursor_at, created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [input.name, input.template, input.inventory, JSON.stringify(input.extraVars), input.cron, input.timeZone, input.state, input.pausedReason ?? null,
            input.graceMs, input.cursorAt, input.createdBy, now, now],
        );
        return result.insertId;
      });
      return (await this.findById(id))!;
    } catch (error) {
      if ((error as { code?: string }).code === 'ER_DUP_ENTRY') throw new DuplicateScheduleError(`a schedule named "${input.name}" exists`);
      throw error;
    }
  }

  async list(): Promise<ScheduleRecord[]> {
    const rows: Row[] = await this.uow.run('list schedules', (ds) => ds.query('SELECT * FROM schedules ORDER BY id'));
    return rows.map(toSchedule);
  }

  async active(): Promise<ScheduleRecord[]> {
    const rows: Row[] = await this.uow.run('list active schedules', (ds) => ds.query("SELECT * FROM schedules WHERE state = 'active' ORDER BY id"));
    return rows.map(toSchedule);
  }

  async findById(id: number): Promise<ScheduleRecord | null> {
    const rows: Row[] = await this.uow.run('find schedule', (ds) => ds.query('SELECT * FROM schedules WHERE id = ?', [id]));
    return rows[0] ? toSchedule(rows[0]) : null;
  }

  async delete(id: number): Promise<boolean> {
    const result: { affectedRows: number } = await this.uow.run('delete schedule', (ds) => ds.query('DELETE FROM schedules WHERE id = ?', [id]));
    return result.affectedRows > 0;
  }

  /** Active → paused with the reason; false when it was not active (already paused, or gone). */
  async pause(id: number, reason: string): Promise<boolean> {
    const result: { affectedRows: number } = await this.uow.run('pause schedule', (ds) =>
      ds.query("UPDATE schedules SET state = 'paused', paused_reason = ?, updated_at = ? WHERE id = ? AND state = 'active'", [clip(reason), new Date(), id]),
    );
    return result.affectedRows > 0;
  }

  /**
   * Paused → active. The cursor moves to `from` (now): ticks while it was paused are not made up for,
   * they simply were not due (a pause is a decision, not an outage).
   */
  async resume(id: number, from: Date): Promise<boolean> {
    const result: { affectedRows: number } = await this.uow.run('resume schedule', (ds) =>
      ds.query("UPDATE schedules SET state = 'active', paused_reason = NULL, cursor_at = GREATEST(cursor_at, ?), updated_at = ? WHERE id = ? AND state = 'paused'", [from, new Date(), id]),
    );
    return result.affectedRows > 0;
  }

  /** Only ever forward: two tickers advancing one schedule agree on the later cursor. */
  async advanceCursor(id: number, to: Date): Promise<void> {
    await this.uow.run('advance schedule cursor', (ds) => ds.query('UPDATE schedules SET cursor_at = ? WHERE id = ? AND cursor_at < ?', [to, id, to]));
  }

  /**
   * Claims a tick with its first outcome (unique key): true for the one caller that inserted it. A
   * retry whose first attempt committed finds the row claimed by `claimedBy` (unique per claim) and is answered true again.
   */
  /**
   * `event`: the `schedule.tick-skipped` webhook event of a missed tick, written to the outbox in the
   * transaction of the tick's row, and only by the ticker whose row it is (a tick claimed twice says so once).
   */
  async claimTick(scheduleId: number, tickAt: Date, outcome: TickOutcome, claimedBy: string, detail: string | null = null, event?: ScheduleTickEventData): Promise<boolean> {
    return this.uow.run('claim schedule tick', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        const result: { affectedRows: number } = await em.query(
          'INSERT IGNORE INTO schedule_ticks (schedule_id, tick_at, outcome, detail, claimed_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
          [scheduleId, tickAt, outcome, detail === null ? null : clip(detail), claimedBy, new Date()],
        );
        if (result.affectedRows > 0) {
          if (event) await writeScheduleTickEvent(em, event);
          return true;
        }
        const rows: Row[] = await em.query('SELECT claimed_by FROM schedule_ticks WHERE schedule_id = ? AND tick_at = ?', [scheduleId, tickAt]);
        return rows[0]?.claimed_by === claimedBy;
      }),
    );
  }

  /** A launching tick's outcome; conditional, so a tick already recorded (by another ticker) keeps its first outcome. */
  /** `event`: the webhook event of a skipped tick, written to the outbox in the same transaction, only if this write applied. */
  async finishTick(
    scheduleId: number,
    tickAt: Date,
    outcome: Exclude<TickOutcome, 'launching'>,
    releaseId: number | null,
    detail: string | null,
    event?: ScheduleTickEventData,
  ): Promise<void> {
    await this.uow.run('record schedule tick', (ds) =>
      ds.transaction(async (em: EntityManager) => {
        const result: { affectedRows: number } = await em.query(
          "UPDATE schedule_ticks SET outcome = ?, release_id = ?, detail = ?, recorded_at = ? WHERE schedule_id = ? AND tick_at = ? AND outcome = 'launching'",
          [outcome, releaseId, detail === null ? null : clip(detail), new Date(), scheduleId, tickAt],
        );
        if (result.affectedRows > 0 && event) await writeScheduleTickEvent(em, event);
      }),
    );
  }

  /** Ticks claimed whose launch was not recorded (their ticker died, or the launch is to be retried). */
  async launchingTicks(scheduleId: number): Promise<TickRecord[]> {
    const rows: Row[] = await this.uow.run('find launching ticks', (ds) =>
      ds.query("SELECT * FROM schedule_ticks WHERE outcome = 'launching' AND schedule_id = ? ORDER BY tick_at", [scheduleId]),
    );
    return rows.map(toTick);
  }

  async ticks(scheduleId: number, limit = 50): Promise<TickRecord[]> {
    const rows: Row[] = await this.uow.run('list schedule ticks', (ds) =>
      ds.query('SELECT * FROM schedule_ticks WHERE schedule_id = ? ORDER BY tick_at DESC LIMIT ?', [scheduleId, limit]),
    );
    return rows.map(toTick);
  }

  /** The newest tick of each schedule (the list's "last run"). */
  async lastTicks(): Promise<Map<number, TickRecord>> {
    const rows: Row[] = await this.uow.run('last schedule ticks', (ds) =>
      ds.query('SELECT t.* FROM schedule_ticks t JOIN (SELECT schedule_id, MAX(tick_at) AS at FROM schedule_ticks GROUP BY schedule_id) m ON m.schedule_id = t.schedule_id AND m.at = t.tick_at'),
    );
    return new Map(rows.map((row) => [Number(row.schedule_id), toTick(row)]));
  }
}
