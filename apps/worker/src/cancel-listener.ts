import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { type CancelRequest, createRedis, slipwayKeys } from '@slipway/queue';
import { ReleaseRunner } from './release-runner.js';

const cancelRequestSchema = z.object({
  releaseId: z.number().int().positive(),
  by: z.string().min(1).max(200),
}) satisfies z.ZodType<CancelRequest>;

/** A cancel message as sent by the API, or null (with why) for anything else on the channel. */
export function parseCancelRequest(message: string): { request: CancelRequest } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { error: 'not JSON' };
  }
  const parsed = cancelRequestSchema.safeParse(json);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'message'} ${i.message}`).join('; ') };
  return { request: parsed.data };
}

/**
 * Hears cancel requests from the API; the worker that runs the release stops it. Anything else published
 * on the channel is logged and ignored: nothing a Redis client sends may crash the worker (the listener
 * runs inside ioredis, where a throw would be an uncaught exception).
 */
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
    this.subscriber.on('message', (_channel: string, message: string) => this.onMessage(message));
    await this.subscriber.subscribe(channel);
  }

  private onMessage(message: string): void {
    try {
      const parsed = parseCancelRequest(message);
      if ('error' in parsed) {
        this.logger.warn(`ignored a malformed cancel message (${parsed.error}; ${message.length} bytes)`);
        return;
      }
      const { releaseId, by } = parsed.request;
      if (this.runner.stop(releaseId, { kind: 'cancel', reason: `cancelled by ${by}` })) {
        this.logger.log({ releaseId, msg: `release ${releaseId}: cancel requested by ${by}` });
      }
    } catch (error) {
      this.logger.error(`cancel message not handled: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
