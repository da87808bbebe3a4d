import { Global, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { createDataSource } from './data-source.js';
import { withRetry } from './retry.js';
import { UnitOfWork } from './unit-of-work.js';

function treatMissingDatabaseAsTransient(error: unknown): never {
  const code = (error as { code?: string }).code;
  if (code === 'ER_BAD_DB_ERROR') {
    throw Object.assign(new Error(`${(error as Error).message} (waiting for the API or npm run db:migrate to create it)`), {
      code: 'ECONNREFUSED',
    });
  }
  throw error;
}

/** Closes the pool last: the worker's drain (beforeApplicationShutdown) still writes final statuses. */
@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [SLIPWAY_CONFIG],
      useFactory: async (config: SlipwayConfig) => {
        const dataSource = createDataSource(config.database);
        const logger = new Logger('Database');
        let waited = 0;
        // A process that starts while the DB restarts waits for it rather than crash-looping; a worker
        // started beside a fresh API also waits for the API to create the database (ER_BAD_DB_ERROR).
        await withRetry(() => dataSource.initialize().catch(treatMissingDatabaseAsTransient), {
          name: 'connect to database',
          budgetMs: config.database.retryBudgetMs,
          // Once, not per attempt: a DB restart takes dozens of them.
          onRetry: ({ code, attempt }) => {
            if (attempt === 1) logger.warn(`database not reachable (${code}); waiting for it up to ${config.database.retryBudgetMs} ms`);
            waited = attempt;
          },
        });
        if (waited > 0) logger.log(`database reachable after ${waited + 1} attempts`);
        return dataSource;
      },
    },
    UnitOfWork,
    DataSourceCloser,
  ],
  exports: [DataSource, UnitOfWork],
})
export class DbModule {}
