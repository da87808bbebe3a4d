import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { ZoneRenderer } from '@slipway/dns';
import { DNS_RENDER_QUEUE, type DnsRenderJobData, dnsRenderJob } from '@slipway/queue';
import type { Queue } from 'bullmq';

/**
 * The DNS half of the housekeeping's "re-queue lost jobs": a zone whose change committed while Redis was
 * away (its render job never reached the queue, or Redis restarted without persistence and lost it) gets
 * its render job again. Every worker's tick may do it: the job id is the zone's version, so it is added
 * once, and renders are leased per zone.
 */
@Injectable()
export class DnsLostRenders {
  private readonly logger = new Logger('DnsLostRenders');

  constructor(
    private readonly renderer: ZoneRenderer,
    @InjectQueue(DNS_RENDER_QUEUE) private readonly queue: Queue<DnsRenderJobData>,
  ) {}

  async requeue(): Promise<void> {
    for (const { zoneId, version } of await this.renderer.zonesBehind()) {
      const job = dnsRenderJob(zoneId, version, 0);
      const existing = await this.queue.getJob(job.opts.jobId);
      if (existing && !(await existing.isCompleted()) && !(await existing.isFailed())) continue;
      await existing?.remove().catch(() => undefined);
      await this.queue.add(job.name, job.data, job.opts);
      this.logger.log(`zone ${zoneId} version ${version}: render job queued again (it was lost)`);
    }
  }
}
