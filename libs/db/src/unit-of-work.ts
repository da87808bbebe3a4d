import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { withRetry } from './retry.js';

/** Counts retried units of work; read by /metrics. */
export const dbRetryCounter = { retries: 0 };

/**
 * The one way the API and worker write anything that matters: the whole unit runs again on a lost
 * connection, deadlock or lock wait, within DB_RETRY_BUDGET_MS. Each unit borrows a pooled connection
 * for its own duration only; nothing is held across jobs or requests.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger('UnitOfWork');

  constructor(
    readonly dataSource: DataSource,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  run<T>(name: string, work: (dataSource: DataSource) => Promise<T>, budgetMs = this.config.database.retryBudgetMs): Promise<T> {
    return withRetry(() => work(this.dataSource), {
      name,
      budgetMs,
      onRetry: ({ attempt, code, delayMs }) => {
        dbRetryCounter.retries++;
        // Logged once per attempt with the error code, never with the statement (it may hold secrets).
        this.logger.warn(`${name}: database error ${code}, retry ${attempt} in ${delayMs} ms`);
      },
    });
  }
}
