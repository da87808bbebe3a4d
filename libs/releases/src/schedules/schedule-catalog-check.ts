import { Injectable, Logger } from '@nestjs/common';
import { ReleaseLauncher } from '../launch/release-launcher.js';
import { ScheduleStore } from './schedule-store.js';

/**
 * After a catalog reload: every active schedule that a launch would now refuse (template gone, inventory
 * no longer allowed, vars that break the new schema) is paused with the launcher's reason, at once rather
 * than at its next tick, so its page says why before the night it would have run.
 */
@Injectable()
export class ScheduleCatalogCheck {
  private readonly logger = new Logger('Schedules');

  constructor(
    private readonly schedules: ScheduleStore,
    private readonly launcher: ReleaseLauncher,
  ) {}

  /** The ids paused. */
  async pauseInvalid(trigger: string): Promise<number[]> {
    const paused: number[] = [];
    for (const schedule of await this.schedules.active()) {
      const problems = this.launcher.problems({ template: schedule.template, inventory: schedule.inventory, extraVars: schedule.extraVars });
      if (problems.length === 0) continue;
      const reason = `paused by ${trigger}: ${problems.map((p) => p.message).join('; ')}`;
      if (await this.schedules.pause(schedule.id, reason)) {
        paused.push(schedule.id);
        this.logger.warn(`schedule ${schedule.id} (${schedule.name}) ${reason}`);
      }
    }
    return paused;
  }
}
