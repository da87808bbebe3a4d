import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { createRedis, slipwayKeys, whenRedisReady } from '@slipway/queue';

/**
 * The API's own Redis connection for commands outside BullMQ (health, worker registry, cancel requests).
 * Fail-fast: while Redis is away, commands reject at once so requests answer 503 instead of hanging.
 */
@Injectable()
export class ApiRedis implements OnModuleInit, OnApplicationShutdown {
  client!: Redis;
  readonly keys: ReturnType<typeof slipwayKeys>;

  constructor(@Inject(SLIPWAY_CONFIG) readonly config: SlipwayConfig) {
    this.keys = slipwayKeys(config.queuePrefix);
  }

  async onModuleInit(): Promise<void> {
    this.client = createRedis(this.config.redisUrl, { failFast: true, name: 'slipway-api-commands' });
    this.client.on('error', () => undefined); // reconnects by itself; callers see failures as rejections
    await whenRedisReady(this.client);
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
