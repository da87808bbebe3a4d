import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { freePort } from './test-env.js';
import { waitFor } from './wait-for.js';

/**
 * Database and Redis servers that belong to one chaos suite: their own port, their own data directory
 * under a temp dir, started, stopped and restarted by the test. The shared servers on 3306/6379 are never
 * touched. Each restart keeps the port and the data, like an ops restart would.
 */

const execFileAsync = promisify(execFile);
const STOP_TIMEOUT_MS = 30_000;

/** A child server process; stop() waits until it has really exited (the port is free again). */
class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  output = '';

  constructor(
    private readonly bin: string,
    private readonly argv: () => string[],
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  spawn(): void {
    if (this.child) throw new Error(`${this.bin} is already running`);
    const child = spawn(this.bin, this.argv(), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = null;
    });
    this.child = child;
  }

  /** SIGSTOP / SIGCONT: the server keeps its connections open but answers nothing (a hung server). */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(signal);
  }

  /** SIGTERM (a clean shutdown, as an ops restart does), SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
    this.child = null;
  }
}

/** What both private servers share: stop (and wait for the port to be free) and restart after an outage. */
abstract class PrivateServer {
  protected abstract readonly process: ServerProcess;

  abstract start(): Promise<void>;

  /** Hangs the server: connections stay open, nothing is answered until thaw(). */
  freeze(): void {
    this.process.signal('SIGSTOP');
  }

  thaw(): void {
    this.process.signal('SIGCONT');
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  async restart(downMs = 0): Promise<void> {
    await this.stop();
    // The outage itself is what is under test, so its length is a plain wait, not a synchronisation.
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }
}

export class PrivateMariaDb extends PrivateServer {
  protected readonly process: ServerProcess;

  private constructor(
    readonly dir: string,
    readonly port: number,
    extraArgs: string[],
  ) {
    super();
    this.process = new ServerProcess('mariadbd', () => [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      // Tests run as root; mariadbd refuses to run as root unless told to.
      '--user=root',
      // Any user name connects without a password, so each process can use its own name and the test
      // can tell the worker's connections from the API's in the processlist.
      '--skip-grant-tables',
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=8M',
      `--log-error=${join(dir, 'error.log')}`,
      ...extraArgs,
    ]);
  }

  /** Initialises a fresh data dir with mariadb-install-db and starts the server on a free port. */
  static async create(extraArgs: string[] = []): Promise<PrivateMariaDb> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-mariadb-'));
    await execFileAsync('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--innodb-log-file-size=8M',
    ]);
    const server = new PrivateMariaDb(dir, await freePort(), extraArgs);
    await server.start();
    return server;
  }

  /** Server URL (no database) for `user`; with --skip-grant-tables any name works. */
  url(user = 'root'): string {
    return `mysql://${user}@127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process.running;
  }

  async start(): Promise<void> {
    this.process.spawn();
    await waitFor(
      `private mariadbd on port ${this.port} to accept connections`,
      async () => {
        if (!this.process.running) throw new Error(`mariadbd exited:\n${this.process.output}`);
        await this.query('SELECT 1');
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  }


  /** One query on a fresh admin connection (never one of the app's). */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const connection = await createConnection({ uri: this.url('test_admin'), connectTimeout: 2_000 });
    try {
      const [rows] = await connection.query(sql, params);
      return rows as T[];
    } finally {
      await connection.end();
    }
  }

  async globalStatus(name: string): Promise<number> {
    const rows = await this.query<{ Value: string }>('SHOW GLOBAL STATUS LIKE ?', [name]);
    return Number(rows[0]?.Value ?? Number.NaN);
  }

  /** Connection ids in the processlist opened with this user name. */
  async connectionIds(user: string): Promise<number[]> {
    const rows = await this.query<{ ID: number }>('SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? ORDER BY ID', [user]);
    return rows.map((row) => Number(row.ID));
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export class PrivateRedis extends PrivateServer {
  protected readonly process: ServerProcess;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    super();
    // No persistence: a restart loses every key, the harshest Redis restart there is.
    this.process = new ServerProcess('redis-server', () => [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
    ]);
  }

  static async create(): Promise<PrivateRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-redis-'));
    const server = new PrivateRedis(dir, await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process.running;
  }

  async start(): Promise<void> {
    this.process.spawn();
    await waitFor(
      `private redis-server on port ${this.port} to answer`,
      async () => {
        if (!this.process.running) throw new Error(`redis-server exited:\n${this.process.output}`);
        return (await this.command((redis) => redis.ping())) === 'PONG';
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }


  /** Runs commands on a fresh connection of the test's own. */
  async command<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
    redis.on('error', () => undefined); // reported through the rejected command
    try {
      await redis.connect();
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
