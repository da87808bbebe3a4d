import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { ZoneRenderer } from '@slipway/dns';
import type { DnsRenderJobData } from '@slipway/queue';
import type { JobKindHandler } from './jobs/job-kind-handler.js';

/** How long a render waits when another worker is rendering the same zone. */
const BUSY_RETRY_MS = 500;

/**
 * The dns-render kind (DNS_RENDER_KIND): renders the job's zone from the database (ZoneRenderer). When
 * another render of the zone is in progress the job waits and comes back, so it never renders beside it
 * and never skips a change that render did not see.
 */
@Injectable()
export class DnsRenderProcessor implements JobKindHandler<DnsRenderJobData> {
  private readonly logger = new Logger('DnsRender');

  constructor(private readonly renderer: ZoneRenderer) {}

  async process(job: Job<DnsRenderJobData>, token: string | undefined): Promise<void> {
    const { zoneId, version, removedZone } = job.data;
    if (removedZone) return this.renderer.removeZone(removedZone);
    const outcome = await this.renderer.render(zoneId, version);
    if (outcome.kind === 'busy') {
      await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
      throw new DelayedError();
    }
    if (outcome.kind === 'rendered') this.logger.log(`zone ${zoneId} version ${outcome.version} served with serial ${outcome.serial}`);
    if (outcome.kind === 'reload-pending') {
      this.logger.log(`zone ${zoneId} version ${outcome.version} installed with serial ${outcome.serial}; reload release ${outcome.releaseId} ${outcome.joined ? 'joined (still queued)' : 'launched'}`);
    }
  }
}
