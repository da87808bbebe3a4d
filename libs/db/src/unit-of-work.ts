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

  async run<T>(name: string, work: (dataSource: DataSource) => Promise<T>, budgetMs = this.config.database.retryBudgetMs): Promise<T> {
    const retries = new RetryReport(name, budgetMs, this.logger);
    const result = await withRetry(() => work(this.dataSource), {
      name,
      budgetMs,
      onRetry: (info) => {
        dbRetryCounter.retries++;
        retries.retrying(info.code);
      },
    });
    retries.succeeded();
    return result;
  }
}

/**
 * One unit's retries, logged once however many attempts a DB restart takes: a warning at the first
 * failure with its error code, and one line when it finally goes through, with the attempts and every
 * code seen. Never the statement (it may hold secrets). A unit that runs out of budget throws
 * RetryBudgetExhaustedError, which says the same and is reported by the caller.
 */
class RetryReport {
  private readonly codes = new Set<string>();
  private attempts = 1;
  private firstFailureAt = 0;

  constructor(
    private readonly name: string,
    private readonly budgetMs: number,
    private readonly logger: Pick<Logger, 'warn' | 'log'>,
  ) {}

  retrying(code: string): void {
    if (this.codes.size === 0) {
      this.firstFailureAt = Date.now();
      this.logger.warn(`${this.name}: database error ${code}; retrying the unit of work for up to ${this.budgetMs} ms`);
    }
    this.codes.add(code);
    this.attempts++;
  }

  succeeded(): void {
    if (this.codes.size === 0) return;
    this.logger.log(
      `${this.name}: done after ${this.attempts} attempts in ${Date.now() - this.firstFailureAt} ms (${[...this.codes].join(', ')})`,
    );
  }
}
