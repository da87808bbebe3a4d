import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '@slipway/config';
import { ApiSessionEntity } from './entities/api-session.entity.js';
import { ApiTokenEntity } from './entities/api-token.entity.js';
import { AuditEntryEntity } from './entities/audit-entry.entity.js';
import { IdempotencyKeyEntity } from './entities/idempotency-key.entity.js';
import { ReleaseLogChunkEntity } from './entities/release-log-chunk.entity.js';
import { ReleaseEntity } from './entities/release.entity.js';
import { MIGRATIONS } from './migrations/index.js';

export const ENTITIES = [ReleaseEntity, ReleaseLogChunkEntity, ApiTokenEntity, ApiSessionEntity, AuditEntryEntity, IdempotencyKeyEntity];

/**
 * Builds (does not connect) the DataSource. The pool follows the "DB resilience recipe": idle
 * connections are closed by us (idleTimeout) long before the server's wait_timeout can close them
 * under our feet, and TCP keepalive notices dead peers.
 */
export function createDataSource(db: DatabaseConfig): DataSource {
  return new DataSource({
    type: 'mysql',
    url: db.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'slipway_migrations',
    synchronize: false,
    timezone: 'Z',
    charset: 'utf8mb4_bin',
    connectTimeout: db.connectTimeoutMs,
    poolSize: db.poolSize,
    extra: {
      maxIdle: db.maxIdle,
      idleTimeout: db.idleTimeoutMs,
      enableKeepAlive: true,
      keepAliveInitialDelay: 10_000,
      // Fail fast when the pool is exhausted by a dead server instead of queueing forever.
      queueLimit: 1000,
    },
    logging: false,
  });
}

/** CREATE DATABASE IF NOT EXISTS, on a short-lived connection to the server (no database selected). */
export async function ensureDatabase(db: DatabaseConfig): Promise<void> {
  const serverUrl = new URL(db.url);
  serverUrl.pathname = '/';
  const connection = await createConnection({ uri: serverUrl.toString(), connectTimeout: db.connectTimeoutMs });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${db.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
  } finally {
    await connection.end();
  }
}

/** Creates the database if needed and applies pending migrations; used by `npm run db:migrate` and API start. */
export async function migrate(db: DatabaseConfig): Promise<string[]> {
  await ensureDatabase(db);
  const dataSource = createDataSource(db);
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
