import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import type { Queue } from 'bullmq';
import { DNS_RENDER_QUEUE, type DnsRenderJobData, dnsRenderJob } from '@slipway/queue';

/**
 * Adds the zone-render job of a committed change. The change is already committed (the database is the
 * record): if Redis refuses the job, the change is not undone; the zone stays behind (version >
 * renderedVersion, visible on the zone) until its next change's job renders everything.
 */
@Injectable()
export class DnsRenderQueue {
  private readonly logger = new Logger('DnsRenderQueue');

  constructor(
    @InjectQueue(DNS_RENDER_QUEUE) private readonly queue: Queue<DnsRenderJobData>,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  async changed(zoneId: number, version: number, removedZone?: string): Promise<void> {
    const job = dnsRenderJob(zoneId, version, removedZone ? 0 : this.config.dns.renderDelayMs, removedZone);
    try {
      await this.queue.add(job.name, job.data, job.opts);
    } catch (error) {
      this.logger.warn(`zone ${zoneId} version ${version}: render job not queued (${(error as Error).message}); the next change renders it`);
    }
  }
}
