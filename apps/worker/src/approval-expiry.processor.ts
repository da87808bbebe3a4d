import { Injectable } from '@nestjs/common';
import { ReleaseApprovals } from '@slipway/releases';
import type { JobKindHandler } from './jobs/job-kind-handler.js';

/** The approval-expiry kind (APPROVAL_EXPIRY_KIND): one pass per interval, on whichever worker takes the job. */
@Injectable()
export class ApprovalExpiryProcessor implements JobKindHandler<Record<string, never>> {
  constructor(private readonly approvals: ReleaseApprovals) {}

  async process(): Promise<void> {
    await this.approvals.expireDue();
  }
}
