import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CatalogHolder, type CatalogReloadOutcome, describeReload } from '@slipway/ansible';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { createRedis, slipwayKeys } from '@slipway/queue';
import { ReleaseEventsPublisher } from './release-events.publisher.js';

/**
 * Keeps this worker's catalog in step with the API's reloads. The API, once it has applied a reload, adds
 * one to the catalog generation in Redis and announces it; this worker then re-reads and validates its OWN
 * copy of the file (a worker on another host reads the copy on its host), and keeps its old catalog, logging
 * every problem, if that copy is invalid. Before each release it also compares the generation, so the next
 * release after a reload waits for this worker's re-read even if the message is still on its way or was
 * lost while Redis was away. SIGHUP (main.ts) reloads this worker alone.
 */
@Injectable()
export class CatalogWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Catalog');
  private readonly keys: ReturnType<typeof slipwayKeys>;
  private subscriber: Redis | null = null;
  /** The last generation this worker reloaded for (or found at start-up, when it read the file anyway). */
  private seenGeneration = 0;
  /** The reload started for seenGeneration: a release arriving meanwhile waits for it. */
  private caughtUp: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly catalogs: CatalogHolder,
    private readonly commands: ReleaseEventsPublisher,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {
    this.keys = slipwayKeys(config.queuePrefix);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.seenGeneration = (await this.readGeneration()) ?? 0;
    this.subscriber = createRedis(this.config.redisUrl, { name: 'slipway-worker-catalog' });
    this.subscriber.on('error', () => undefined); // ioredis reconnects and re-subscribes by itself
    // Whatever the message says, the generation key decides: a malformed or replayed message costs one GET.
    this.subscriber.on('message', () => {
      this.catchUp().catch((error: unknown) => this.logger.error(`catalog reload not handled: ${(error as Error).message}`));
    });
    await this.subscriber.subscribe(this.keys.catalogReloadChannel);
  }

  /** Reloads if the API applied a reload this worker has not followed yet; otherwise waits for the one under way. */
  async catchUp(): Promise<void> {
    const generation = await this.readGeneration();
    if (generation !== null && generation > this.seenGeneration) {
      this.seenGeneration = generation;
      this.caughtUp = this.reload(`catalog generation ${generation} applied by the API`);
    }
    await this.caughtUp;
  }

  /** Re-reads this worker's catalog file; logs what changed, or every problem (the old catalog then stays). */
  async reload(trigger: string): Promise<CatalogReloadOutcome> {
    const outcome = await this.catalogs.reload();
    const msg = describeReload(outcome, `${trigger}, worker ${this.config.workerId}`);
    if (outcome.applied) this.logger.log({ msg, changes: outcome.changes });
    else this.logger.warn({ msg, problems: outcome.problems });
    return outcome;
  }

  /** The generation in Redis, or null while Redis does not answer (the release then runs with the catalog in force). */
  private async readGeneration(): Promise<number | null> {
    try {
      const value = await this.commands.connection.get(this.keys.catalogGeneration);
      return value === null ? 0 : Number(value);
    } catch {
      return null;
    }
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
