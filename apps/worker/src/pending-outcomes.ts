import { Inject, Injectable, Logger } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { slipwayKeys } from '@slipway/queue';
import { type FinalOutcome, ReleaseStore } from '@slipway/releases';
import { ReleaseEventsPublisher } from './release-events.publisher.js';

export interface PendingOutcome {
  releaseId: number;
  workerId: string;
  outcome: FinalOutcome;
  unstored: { firstSeq: number; lines: string[] };
}

/**
 * Final outcomes that could not be written because the DB stayed away past the retry budget. Kept in a
 * Redis hash (survives this process) and written back by reconcile() once the DB answers again.
 */
@Injectable()
export class PendingOutcomes {
  private readonly logger = new Logger('PendingOutcomes');
  private readonly key: string;

  constructor(
    private readonly events: ReleaseEventsPublisher,
    private readonly store: ReleaseStore,
    @Inject(SLIPWAY_CONFIG) config: SlipwayConfig,
  ) {
    this.key = slipwayKeys(config.queuePrefix).pendingOutcomes;
  }

  async save(pending: PendingOutcome): Promise<void> {
    await this.events.connection.hset(this.key, String(pending.releaseId), JSON.stringify(pending));
  }

  /** Writes every kept outcome whose DB write now succeeds; leaves the rest for next time. */
  async reconcile(): Promise<void> {
    const all = await this.events.connection.hgetall(this.key);
    for (const [field, json] of Object.entries(all)) {
      const pending = JSON.parse(json) as PendingOutcome;
      try {
        if (pending.unstored.lines.length > 0) {
          await this.store.appendLog(pending.releaseId, pending.unstored.firstSeq, pending.unstored.lines);
        }
        const outcome = { ...pending.outcome, finishedAt: new Date(pending.outcome.finishedAt) };
        await this.store.finish(pending.releaseId, pending.workerId, outcome);
        await this.events.connection.hdel(this.key, field);
        this.logger.log({ releaseId: pending.releaseId, msg: `release ${pending.releaseId}: kept outcome ${outcome.status} written` });
      } catch (error) {
        this.logger.warn({ releaseId: pending.releaseId, msg: `release ${pending.releaseId}: kept outcome not written yet (${(error as Error).message})` });
        return;
      }
    }
  }
}
