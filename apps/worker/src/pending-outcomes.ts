import { Inject, Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { slipwayKeys } from '@slipway/queue';
import { RUN_FINAL_STATUSES, type FinalOutcome, ReleaseStore } from '@slipway/releases';
import { ReleaseEventsPublisher } from './release-events.publisher.js';
import { ReleaseLogSink } from './release-log-sink.js';

export interface PendingOutcome {
  releaseId: number;
  workerId: string;
  outcome: FinalOutcome;
  unstored: { firstSeq: number; lines: string[] };
}

const pendingOutcomeSchema = z.object({
  releaseId: z.number().int().positive(),
  workerId: z.string().min(1),
  outcome: z.object({
    status: z.enum(RUN_FINAL_STATUSES),
    exitCode: z.number().int().nullable(),
    reason: z.string().nullable(),
    recap: z.record(z.string(), z.unknown()).nullable(),
    finishedAt: z.string().pipe(z.coerce.date()),
  }),
  unstored: z.object({ firstSeq: z.number().int().min(0), lines: z.array(z.string()) }),
});

/** A kept entry as written by save(), or why it is not one. */
export function parsePendingOutcome(json: string): { pending: PendingOutcome } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { error: 'not JSON' };
  }
  const parsed = pendingOutcomeSchema.safeParse(value);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ') };
  return { pending: parsed.data as unknown as PendingOutcome };
}

/**
 * Final outcomes that could not be written because the DB stayed away past the retry budget. Kept in a
 * Redis hash (survives this process) and written back by reconcile() once the DB answers again.
 */
@Injectable()
export class PendingOutcomes {
  private readonly logger = new Logger('PendingOutcomes');
  private readonly key: string;
  private readonly unparsable = new Set<string>();

  constructor(
    private readonly events: ReleaseEventsPublisher,
    private readonly store: ReleaseStore,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {
    this.key = slipwayKeys(config.queuePrefix).pendingOutcomes;
  }

  async save(pending: PendingOutcome): Promise<void> {
    await this.events.connection.hset(this.key, String(pending.releaseId), JSON.stringify(pending));
  }

  /**
   * Writes every kept outcome whose DB write now succeeds; each entry on its own, so one that cannot be
   * written (or read) never holds back the others. An entry that is not a kept outcome at all is left in
   * Redis for a person to look at and reported once.
   */
  async reconcile(): Promise<void> {
    const all = await this.events.connection.hgetall(this.key);
    for (const [field, json] of Object.entries(all)) {
      const parsed = parsePendingOutcome(json);
      if ('error' in parsed) {
        if (!this.unparsable.has(field)) this.logger.error(`kept outcome ${JSON.stringify(field)} in ${this.key} is unreadable (${parsed.error}); skipped`);
        this.unparsable.add(field);
        continue;
      }
      await this.writeBack(field, parsed.pending);
    }
  }

  private async writeBack(field: string, pending: PendingOutcome): Promise<void> {
    try {
      if (pending.unstored.lines.length > 0) {
        // Through the same batching as a live run: bounded chunks, line numbers kept, retried as a whole.
        const sink = new ReleaseLogSink(
          pending.releaseId,
          { store: (firstSeq, lines) => this.store.appendLog(pending.releaseId, firstSeq, lines), announce: () => undefined },
          Math.max(this.config.logBufferMaxLines, pending.unstored.lines.length),
          pending.unstored.firstSeq,
        );
        for (const line of pending.unstored.lines) sink.push(line);
        await sink.drain();
      }
      await this.store.finish(pending.releaseId, pending.workerId, pending.outcome);
      await this.events.connection.hdel(this.key, field);
      this.logger.log({ releaseId: pending.releaseId, msg: `release ${pending.releaseId}: kept outcome ${pending.outcome.status} written` });
    } catch (error) {
      this.logger.warn({ releaseId: pending.releaseId, msg: `release ${pending.releaseId}: kept outcome not written yet (${(error as Error).message})` });
    }
  }
}
