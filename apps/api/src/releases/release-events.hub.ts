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
import { type ReleaseEvent, ReleaseStore } from '@slipway/releases';
import type { ClosableStream } from './release-event-stream.js';
import { ReleaseFeed } from './release-feed.js';

const SUBSCRIBE_TIMEOUT_MS = 2_000;

type Listener = (event: ReleaseEvent) => void;

/** A hold on a release's feed; the feed stops (unsubscribes, stops polling) when its last hold is released. */
export interface FeedLease {
  feed: ReleaseFeed;
  release(): void;
}

/**
 * The API's one Redis subscriber connection for the workers' release events, and the one feed per
 * watched release (ReleaseFeed) that every SSE client of that release shares: a channel is subscribed,
 * and its release's row polled, while at least one client watches it. It also knows every open stream,
 * so that shutdown can end them (SSE responses would otherwise keep the HTTP server open).
 */
@Injectable()
export class ReleaseEventsHub implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('ReleaseEventsHub');
  private subscriber!: Redis;
  private readonly keys: ReturnType<typeof slipwayKeys>;
  private readonly channels = new Map<string, { listeners: Set<Listener>; subscribed: Promise<unknown> }>();
  private readonly streams = new Set<ClosableStream>();
  private readonly feeds = new Map<number, { feed: ReleaseFeed; holders: number }>();

  constructor(
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
    private readonly store: ReleaseStore,
  ) {
    this.keys = slipwayKeys(config.queuePrefix);
  }

  /** The release's shared feed (started by the first viewer); release the lease when the viewer leaves. */
  lease(releaseId: number): FeedLease {
    let held = this.feeds.get(releaseId);
    if (!held || held.feed.isClosed) {
      const feed = new ReleaseFeed(releaseId, this.store, (listener) => this.subscribe(releaseId, listener), {
        maxBacklogBytes: this.config.eventStreams.clientBufferBytes,
      });
      const entry = { feed, holders: 0 };
      held = entry;
      this.feeds.set(releaseId, entry);
      // A feed that could not start is not handed to the next viewer: that one starts afresh.
      feed.ready.catch(() => this.forget(releaseId, entry));
    }
    const entry = held;
    entry.holders++;
    let released = false;
    return {
      feed: entry.feed,
      release: () => {
        if (released) return;
        released = true;
        if (--entry.holders > 0) return;
        entry.feed.close();
        this.forget(releaseId, entry);
      },
    };
  }

  get watchedReleases(): number {
    return this.feeds.size;
  }

  private forget(releaseId: number, entry: { feed: ReleaseFeed }): void {
    if (this.feeds.get(releaseId) === entry) this.feeds.delete(releaseId);
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

  /** Known until the returned function is called, so that shutdown can end it. */
  register(stream: ClosableStream): () => void {
    this.streams.add(stream);
    return () => this.streams.delete(stream);
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
