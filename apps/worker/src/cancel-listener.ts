import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { type CancelRequest, createRedis, slipwayKeys } from '@slipway/queue';
import { ReleaseRunner } from './release-runner.js';

/** Hears cancel requests from the API; the worker that runs the release stops it. */
@Injectable()
export class CancelListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CancelListener');
  private subscriber: Redis | null = null;

  constructor(
    private readonly runner: ReleaseRunner,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const channel = slipwayKeys(this.config.queuePrefix).cancelChannel;
    this.subscriber = createRedis(this.config.redisUrl, { name: 'slipway-worker-cancel' });
    this.subscriber.on('error', () => undefined); // ioredis reconnects and re-subscribes by itself
    this.subscriber.on('message', (_channel: string, message: string) => {
      const request = JSON.parse(message) as CancelRequest;
      if (this.runner.stop(request.releaseId, { kind: 'cancel', reason: `cancelled by ${request.by}` })) {
        this.logger.log({ releaseId: request.releaseId, msg: `release ${request.releaseId}: cancel requested by ${request.by}` });
      }
    });
    await this.subscriber.subscribe(channel);
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
