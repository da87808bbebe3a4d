import { Injectable } from '@nestjs/common';
import type { JobKindHandler } from './jobs/job-kind-handler.js';
import { PendingOutcomes } from './pending-outcomes.js';

/**
 * The pending-outcomes kind (PENDING_OUTCOMES_KIND): one write-back pass per interval, on whichever worker
 * takes the job. Abandon-safely at shutdown: an entry leaves Redis only once written, so a pass cut short
 * loses nothing and the next pass, on any worker, does the rest.
 */
@Injectable()
export class PendingOutcomesProcessor implements JobKindHandler<Record<string, never>> {
  constructor(private readonly pendingOutcomes: PendingOutcomes) {}

  process(): Promise<void> {
    return this.pendingOutcomes.reconcile();
  }
}
