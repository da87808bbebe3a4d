import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const SHARED_MARIADB = process.env.TEST_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306';
export const SHARED_REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A free TCP port on loopback (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A private database name and queue prefix for one suite, so suites can run side by side on the shared
 * servers without seeing each other. `cleanup()` drops both.
 */
export interface TestEnv {
  name: string;
  database: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** An admin token the API accepts (SLIPWAY_BOOTSTRAP_TOKEN in `env`): `new ApiClient(api.url, env.bootstrapToken)`. */
  bootstrapToken: string;
  /** The suite's SLIPWAY_RUN_DIR: every run directory (and so every ansible process, by TMPDIR) is below it. */
  runDir: string;
  /** Environment for API and worker processes of this suite. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createTestEnv(
  name: string,
  options: { mariadbUrl?: string; redisUrl?: string } = {},
): Promise<TestEnv> {
  const suffix = randomBytes(3).toString('hex');
  const database = `slipway_t_${name.replace(/[^a-z0-9]/gi, '_')}_${suffix}`.slice(0, 64);
  const server = options.mariadbUrl ?? SHARED_MARIADB;
  const redisUrl = options.redisUrl ?? SHARED_REDIS;
  const queuePrefix = `t-${name}-${suffix}`;
  const databaseUrl = `${server.replace(/\/$/, '')}/${database}`;
  const bootstrapToken = `test-bootstrap-${randomBytes(16).toString('hex')}`;
  const runDir = join(tmpdir(), `slipway-t-runs-${name.replace(/[^a-z0-9]/gi, '_')}-${suffix}`);
  return {
    name,
    database,
    databaseUrl,
    redisUrl,
    queuePrefix,
    bootstrapToken,
    runDir,
    env: {
      SLIPWAY_RUN_DIR: runDir,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      SLIPWAY_QUEUE_PREFIX: queuePrefix,
      SLIPWAY_CATALOG: resolve(REPO_ROOT, 'examples/catalog.yml'),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      SLIPWAY_BOOTSTRAP_TOKEN: bootstrapToken,
      SLIPWAY_SECRET_KEY: randomBytes(32).toString('base64'),
      // Zone renders of a suite land in its own directory, never in the checkout (suites with a named set their own).
      DNS_ZONES_DIR: `${runDir}-zones`,
    },
    async cleanup() {
      await rm(`${runDir}-zones`, { recursive: true, force: true });
      await dropDatabase(server, database).catch(() => undefined);
      await deleteRedisPrefix(redisUrl, queuePrefix).catch(() => undefined);
      await rm(runDir, { recursive: true, force: true });
    },
  };
}

async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const connection = await createConnection({ uri: serverUrl, connectTimeout: 3_000 });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await connection.end();
  }
}

async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Runs a query on a suite's database (assertions on the real server's state). */
export async function queryDb<T = Record<string, unknown>>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const connection = await createConnection({ uri: databaseUrl, connectTimeout: 3_000 });
  try {
    const [rows] = await connection.query(sql, params);
    return rows as T[];
  } finally {
    await connection.end();
  }
}

/** Every release id in the test's database, ascending: what a test checks to prove nothing extra was created. */
export async function releaseIds(databaseUrl: string): Promise<number[]> {
  const rows = await queryDb<{ id: number }>(databaseUrl, 'SELECT id FROM releases ORDER BY id');
  return rows.map((r) => Number(r.id));
}
