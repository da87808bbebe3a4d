import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel.js';
import { createConnection } from 'mysql2/promise';
import type { DatabaseConfig, SlipwayConfig } from '@slipway/config';
import { UnitOfWork, createDataSource, migrate } from '@slipway/db';
import { SHARED_MARIADB } from '../../support/test-env.js';

/**
 * A private, migrated database on the shared MariaDB for one medium test file, with the DataSource and
 * UnitOfWork the stores use. `drop()` (in afterAll) closes the pool and drops the database.
 */
export interface MediumDb {
  database: DatabaseConfig;
  dataSource: DataSource;
  uow: UnitOfWork;
  /** Raw SQL on the test database, for arranging rows and asserting on the server's state. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Empties these tables (foreign keys off meanwhile, on the one connection that truncates them). */
  truncate(...tables: string[]): Promise<void>;
  drop(): Promise<void>;
}

export async function createMediumDb(name: string, options: { retryBudgetMs?: number; poolSize?: number } = {}): Promise<MediumDb> {
  const databaseName = `slipway_m_${name.replace(/[^a-z0-9]/gi, '_')}_${randomBytes(3).toString('hex')}`.slice(0, 64);
  const poolSize = options.poolSize ?? 10;
  const database: DatabaseConfig = {
    url: `${SHARED_MARIADB.replace(/\/$/, '')}/${databaseName}`,
    database: databaseName,
    poolSize,
    maxIdle: poolSize - 1,
    idleTimeoutMs: 60_000,
    connectTimeoutMs: 5_000,
    retryBudgetMs: options.retryBudgetMs ?? 10_000,
  };
  await migrate(database);
  const dataSource = createDataSource(database);
  await dataSource.initialize();
  const uow = new UnitOfWork(dataSource, { database } as SlipwayConfig);
  return {
    database,
    dataSource,
    uow,
    query: (sql, params = []) => dataSource.query(sql, params),
    async truncate(...tables) {
      // SET FOREIGN_KEY_CHECKS is per connection: a pooled query() might truncate on another one.
      const runner = dataSource.createQueryRunner();
      try {
        await runner.query('SET FOREIGN_KEY_CHECKS = 0');
        for (const table of tables) await runner.query(`TRUNCATE \`${table}\``);
        await runner.query('SET FOREIGN_KEY_CHECKS = 1');
      } finally {
        await runner.release();
      }
    },
    async drop() {
      await dataSource.destroy().catch(() => undefined);
      const connection = await createConnection({ uri: SHARED_MARIADB, connectTimeout: 3_000 });
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${databaseName}\``);
      } finally {
        await connection.end();
      }
    },
  };
}

/** What mysql2 throws when the server's reply never arrives (the connection died after the COMMIT was sent). */
export function lostConnectionError(): Error {
  return Object.assign(new Error('Connection lost: The server closed the connection.'), {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
  });
}

/**
 * A UnitOfWork whose chosen units commit and then "lose the reply" once: the work runs to completion
 * (its transaction is committed), then the unit throws PROTOCOL_CONNECTION_LOST, so the real retry loop
 * runs the whole unit again against a database that already holds its effects. That is exactly what a
 * client sees when the connection drops between COMMIT and its OK packet.
 */
export class ReplyLosingUnitOfWork extends UnitOfWork {
  private readonly armed = new Map<string, number>();
  /** How many times each unit name ran (every attempt). */
  readonly attempts = new Map<string, number>();

  constructor(inner: UnitOfWork) {
    super(inner.dataSource, { database: { retryBudgetMs: 10_000 } } as SlipwayConfig);
  }

  /** The next `times` runs of `unitName` lose their reply after committing. */
  loseReplyAfterCommit(unitName: string, times = 1): void {
    this.armed.set(unitName, times);
  }

  override run<T>(name: string, work: (dataSource: DataSource) => Promise<T>, budgetMs?: number): Promise<T> {
    return super.run(
      name,
      async (ds) => {
        this.attempts.set(name, (this.attempts.get(name) ?? 0) + 1);
        const result = await work(ds);
        const left = this.armed.get(name) ?? 0;
        if (left > 0) {
          this.armed.set(name, left - 1);
          throw lostConnectionError();
        }
        return result;
      },
      budgetMs,
    );
  }
}

type TransactionWork = (em: EntityManager) => Promise<unknown>;

/**
 * A UnitOfWork whose unit `unitName` stops inside its transaction right after its first locking read
 * (`… FOR UPDATE`) returns, holding whatever that read locked, until `resume()`: a test can then show what
 * other work those locks do or do not block. `locked` settles when the unit is held there.
 */
export class LockHoldingUnitOfWork extends UnitOfWork {
  readonly locked: Promise<void>;
  private markLocked!: () => void;
  private readonly held: Promise<void>;
  resume!: () => void;

  constructor(
    inner: UnitOfWork,
    private readonly unitName: string,
  ) {
    super(inner.dataSource, { database: { retryBudgetMs: 10_000 } } as SlipwayConfig);
    this.locked = new Promise((resolve) => (this.markLocked = resolve));
    this.held = new Promise((resolve) => (this.resume = resolve));
  }

  override run<T>(name: string, work: (dataSource: DataSource) => Promise<T>, budgetMs?: number): Promise<T> {
    if (name !== this.unitName) return super.run(name, work, budgetMs);
    return super.run(name, (ds) => work(this.holdingAfterLockingRead(ds)), budgetMs);
  }

  /** The DataSource as the unit sees it: its transactions' queries pause after the first FOR UPDATE. */
  private holdingAfterLockingRead(ds: DataSource): DataSource {
    const wrapManager = (em: EntityManager): EntityManager =>
      new Proxy(em, {
        get: (target, property, receiver) => {
          if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
          return async (sql: string, parameters?: unknown[]) => {
            const result: unknown = await target.query(sql, parameters);
            if (/\bFOR UPDATE\b/i.test(sql)) {
              this.markLocked();
              await this.held;
            }
            return result;
          };
        },
      });
    return new Proxy(ds, {
      get: (target, property, receiver) => {
        if (property !== 'transaction') return Reflect.get(target, property, receiver) as unknown;
        return (...args: [IsolationLevel, TransactionWork] | [TransactionWork]) =>
          args.length === 2
            ? target.transaction(args[0], (em) => args[1](wrapManager(em)))
            : target.transaction((em) => args[0](wrapManager(em)));
      },
    });
  }
}

/** Thrown inside a transaction after all its statements ran: the transaction rolls back instead of committing. */
export class RolledBack extends Error {}

/**
 * A UnitOfWork whose transactions run every statement of the unit (the status UPDATE and whatever is
 * written beside it) and then fail before COMMIT: what a crash or a failed commit leaves behind.
 */
export class RollingBackUnitOfWork extends UnitOfWork {
  constructor(inner: UnitOfWork) {
    super(inner.dataSource, { database: { retryBudgetMs: 0 } } as SlipwayConfig);
  }

  override run<T>(name: string, work: (dataSource: DataSource) => Promise<T>, budgetMs?: number): Promise<T> {
    return super.run(name, (ds) => work(rollingBack(ds)), budgetMs);
  }
}

function rollingBack(ds: DataSource): DataSource {
  const failAfter = (work: TransactionWork) => async (em: EntityManager) => {
    await work(em);
    throw new RolledBack('rolled back after its statements ran');
  };
  return new Proxy(ds, {
    get: (target, property, receiver) => {
      if (property !== 'transaction') return Reflect.get(target, property, receiver) as unknown;
      return (...args: [IsolationLevel, TransactionWork] | [TransactionWork]) =>
        args.length === 2 ? target.transaction(args[0], failAfter(args[1])) : target.transaction(failAfter(args[0]));
    },
  });
}
