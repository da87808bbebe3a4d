import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { createRedis, slipwayKeys } from '@slipway/queue';
import type { ReleaseEvent } from '@slipway/releases';

const SUBSCRIBE_TIMEOUT_MS = 2_000;

type Listener = (event: ReleaseEvent) => void;

/** An open SSE response the hub can end when the API shuts down. */
export interface ClosableStream {
  closeForShutdown(): void;
}

/**
 * The API's one Redis subscriber connection for the workers' release events, shared by every SSE
 * client: a channel is subscribed while at least one client listens to it. It also knows every open
 * stream, so that shutdown can end them (SSE responses would otherwise keep the HTTP server open).
 */
@Injectable()
export class ReleaseEventsHub implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('ReleaseEventsHub');
  private subscriber!: Redis;
  private readonly keys: ReturnType<typeof slipwayKeys>;
  private readonly channels = new Map<string, { listeners: Set<Listener>; subscribed: Promise<unknown> }>();
  private readonly streams = new Set<ClosableStream>();

  constructor(@Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig) {
    this.keys = slipwayKeys(config.queuePrefix);
  }

  onModuleInit(): void {
    // Not fail-fast: ioredis re-subscribes every channel by itself after a reconnect.
    this.subscriber = createRedis(this.config.redisUrl, { name: 'slipway-api-events' });
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (channel: string, message: string) => {
      const entry = this.channels.get(channel);
      if (!entry) return;
      let event: ReleaseEvent;
      try {
        event = JSON.parse(message) as ReleaseEvent;
      } catch {
        this.logger.warn(`unreadable event on ${channel}`);
        return;
      }
      for (const listener of entry.listeners) listener(event);
    });
  }

  /** Resolves once the subscription is active (so nothing published after this is missed). */
  async subscribe(releaseId: number, listener: Listener): Promise<() => void> {
    const channel = this.keys.releaseChannel(releaseId);
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { listeners: new Set(), subscribed: this.subscriber.subscribe(channel) };
      this.channels.set(channel, entry);
    }
    entry.listeners.add(listener);
    const unsubscribe = () => {
      const current = this.channels.get(channel);
      if (!current) return;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        this.channels.delete(channel);
        this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        entry.subscribed,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), SUBSCRIBE_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      unsubscribe();
      throw new ServiceUnavailableException(`live events unavailable (Redis: ${(error as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
    return unsubscribe;
  }

  register(stream: ClosableStream): void {
    this.streams.add(stream);
  }

  unregister(stream: ClosableStream): void {
    this.streams.delete(stream);
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Ends every open stream with a reconnect hint; clients resume from their Last-Event-ID elsewhere. */
  closeAll(): void {
    for (const stream of [...this.streams]) stream.closeForShutdown();
  }

  beforeApplicationShutdown(): void {
    this.closeAll();
  }

  onApplicationShutdown(): void {
    this.subscriber.disconnect();
  }
}
