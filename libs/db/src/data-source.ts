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

/** How `npm start`'s preflight waits for the database server before it says it is missing. */
const PREFLIGHT_CONNECT_TIMEOUT_MS = 3_000;

/**
 * One connection to the database server (no database selected: it may not exist yet), so that a server
 * that is not there stops `npm start` with one line saying how to get one; null when it answered.
 */
export async function databaseProblem(db: DatabaseConfig, connectTimeoutMs = PREFLIGHT_CONNECT_TIMEOUT_MS): Promise<string | null> {
  const serverUrl = new URL(db.url);
  const where = `${serverUrl.hostname}:${serverUrl.port || '3306'}`;
  serverUrl.pathname = '/';
  try {
    const connection = await createConnection({ uri: serverUrl.toString(), connectTimeout: connectTimeoutMs });
    await connection.end();
    return null;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET'].includes(e.code ?? '')) {
      return `MariaDB not reachable at ${where} (${e.code}) — is MariaDB running? Start it (apt-get install mariadb-server; service mariadb start) or set DATABASE_URL`;
    }
    // It answered but refused us (wrong user or password): the server's message never contains the password.
    return `MariaDB at ${where} refused the connection (${e.message ?? e.code}) — check the user and password in DATABASE_URL`;
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
