import { Injectable } from '@nestjs/common';
import { ScheduleTicker } from '@slipway/releases';
import type { JobKindHandler } from './jobs/job-kind-handler.js';

/**
 * The schedules kind (SCHEDULES_KIND): one ticker pass per interval, on whichever worker takes the job.
 * Every release it starts goes through the ReleaseLauncher, with the schedule as actor and the tick's key.
 */
@Injectable()
export class SchedulesProcessor implements JobKindHandler<Record<string, never>> {
  constructor(private readonly ticker: ScheduleTicker) {}

  process(): Promise<void> {
    return this.ticker.pass();
  }
}
