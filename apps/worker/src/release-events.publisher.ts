import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { createRedis, slipwayKeys, whenRedisReady } from '@slipway/queue';
import type { ReleaseEvent } from '@slipway/releases';

/**
 * Announces stored log batches and status changes on the release's channel. Best effort: a lost message
 * is recovered by the SSE reader from the DB (it notices the gap in sequence numbers).
 */
@Injectable()
export class ReleaseEventsPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ReleaseEventsPublisher');
  private redis!: Redis;
  private readonly keys: ReturnType<typeof slipwayKeys>;
  private failing = false;

  constructor(@Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig) {
    this.keys = slipwayKeys(config.queuePrefix);
  }

  async onModuleInit(): Promise<void> {
    // Fail-fast so a Redis outage never piles commands up in memory; reconnects on its own.
    this.redis = createRedis(this.config.redisUrl, { failFast: true, name: 'slipway-worker-events' });
    this.redis.on('error', () => undefined); // failures are reported per command below
    await whenRedisReady(this.redis);
  }

  get connection(): Redis {
    return this.redis;
  }

  publish(releaseId: number, event: ReleaseEvent): void {
    this.redis.publish(this.keys.releaseChannel(releaseId), JSON.stringify(event)).then(
      () => {
        if (this.failing) this.logger.log('live event publishing resumed');
        this.failing = false;
      },
      (error: unknown) => {
        if (!this.failing) this.logger.warn(`live events not published (Redis: ${(error as Error).message})`);
        this.failing = true;
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
