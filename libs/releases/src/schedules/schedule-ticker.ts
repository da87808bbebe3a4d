import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { LaunchRefusal } from '../launch/launch-refusal.js';
import { ReleaseLauncher } from '../launch/release-launcher.js';
import { ticksAfter } from './cron-ticks.js';
import type { ScheduleTickEventData } from '../webhooks/webhook-outbox.js';
import { type ScheduleRecord, ScheduleStore } from './schedule-store.js';

/** Ticks looked at per schedule and pass; a longer outage is worked through over the next passes. */
const MAX_TICKS_PER_PASS = 500;

/** The one idempotency key of a tick: whoever launches it, however often, gets one release. */
export function tickIdempotencyKey(scheduleId: number, tickAt: Date): string {
  return `schedule-${scheduleId}-${tickAt.toISOString()}`;
}

/** What the `schedule.tick-skipped` webhook event says about a tick that did not launch. */
function tickEvent(schedule: ScheduleRecord, tickAt: Date, outcome: 'skipped' | 'missed', reason: string, window: { name: string; endsAt: string } | null): ScheduleTickEventData {
  return {
    schedule: { id: schedule.id, name: schedule.name, template: schedule.template, inventory: schedule.inventory },
    tick: { at: tickAt.toISOString(), outcome, reason, window },
  };
}

/** The refusals that may pass by themselves (Redis down, a key still claimed by a ticker that died): retried next pass. */
function isTransient(refusal: LaunchRefusal): boolean {
  return refusal.kind === 'unavailable' || refusal.kind === 'conflict' || refusal.kind === 'secrets-unavailable';
}

/**
 * One pass over the active schedules (README "Schedules"), run by the schedules job kind on whichever
 * worker takes the pass (one per interval across the workers). A DB-driven ticker: the database says what
 * is due (cron ticks after the schedule's cursor), the unique tick row is the claim, and the release's
 * idempotency key is derived from schedule and tick time, so a tick launched again (its ticker was killed
 * before it recorded the outcome; two passes at once; clocks apart) gets the release made the first time.
 * A tick time is a cron instant, never a clock reading: two tickers whose clocks differ see the same ticks,
 * one a little earlier.
 *
 * Missed ticks (Slipway was down): of the ticks due, only the latest runs, and only if it is no older
 * than the schedule's grace; every other one is recorded as missed.
 */
@Injectable()
export class ScheduleTicker {
  private readonly logger = new Logger('ScheduleTicker');

  constructor(
    private readonly schedules: ScheduleStore,
    private readonly launcher: ReleaseLauncher,
  ) {}

  async pass(now = new Date()): Promise<void> {
    for (const schedule of await this.schedules.active()) {
      try {
        await this.tickSchedule(schedule, now);
      } catch (error) {
        // One schedule's trouble (a DB hiccup past its retries) must not stop the others; the next pass retries.
        this.logger.error(`schedule ${schedule.id} (${schedule.name}): ${(error as Error).message}`);
      }
    }
  }

  private async tickSchedule(schedule: ScheduleRecord, now: Date): Promise<void> {
    // First the ticks claimed earlier whose outcome was never recorded (their ticker died mid-launch).
    for (const tick of await this.schedules.launchingTicks(schedule.id)) {
      if (!(await this.launch(schedule, tick.tickAt, now))) return;
    }
    const due = ticksAfter(schedule.cron, schedule.timeZone, schedule.cursorAt, MAX_TICKS_PER_PASS, now);
    if (due.length === 0) return;
    const claim = `${randomUUID()}`;
    const latest = due[due.length - 1];
    for (const tickAt of due) {
      const late = now.getTime() - tickAt.getTime();
      if (tickAt !== latest || late > schedule.graceMs) {
        const why = tickAt !== latest ? 'a later tick was due when Slipway came back' : `Slipway was not running; ${Math.round(late / 1000)} s late is past the grace of ${Math.round(schedule.graceMs / 1000)} s`;
        await this.schedules.claimTick(schedule.id, tickAt, 'missed', claim, why, tickEvent(schedule, tickAt, 'missed', why, null));
        continue;
      }
      if (await this.schedules.claimTick(schedule.id, tickAt, 'launching', claim)) {
        if (!(await this.launch(schedule, tickAt, now))) return;
      }
    }
    await this.schedules.advanceCursor(schedule.id, latest);
  }

  /** Launches one claimed tick and records its outcome; false when the schedule was paused by it. */
  private async launch(schedule: ScheduleRecord, tickAt: Date, now: Date): Promise<boolean> {
    const result = await this.launcher.launch(
      { template: schedule.template, inventory: schedule.inventory, extraVars: schedule.extraVars },
      { kind: 'schedule', id: schedule.id },
      { idempotencyKey: tickIdempotencyKey(schedule.id, tickAt) },
    );
    if (result.ok) {
      await this.schedules.finishTick(schedule.id, tickAt, 'launched', result.release.id, result.replayed ? 'launched by an earlier attempt' : null);
      return true;
    }
    const { refusal } = result;
    if (refusal.kind === 'frozen') {
      const window = { name: refusal.window.name, endsAt: refusal.window.endsAt };
      await this.schedules.finishTick(schedule.id, tickAt, 'skipped', null, refusal.message, tickEvent(schedule, tickAt, 'skipped', refusal.message, window));
      return true;
    }
    if (isTransient(refusal)) {
      // Left launching: the next pass tries again with the same key, within the grace; then it gives up.
      if (now.getTime() - tickAt.getTime() <= schedule.graceMs) {
        this.logger.warn(`schedule ${schedule.id} tick ${tickAt.toISOString()}: ${refusal.message}; retrying next pass`);
        return true;
      }
      await this.schedules.finishTick(schedule.id, tickAt, 'refused', null, refusal.message);
      return true;
    }
    // invalid, unknown-template: the schedule no longer fits the catalog; it stops until someone fixes it.
    await this.schedules.finishTick(schedule.id, tickAt, 'invalid', null, refusal.message);
    await this.schedules.pause(schedule.id, `paused at tick ${tickAt.toISOString()}: ${refusal.message}`);
    this.logger.warn(`schedule ${schedule.id} (${schedule.name}) paused: ${refusal.message}`);
    return false;
  }
}
