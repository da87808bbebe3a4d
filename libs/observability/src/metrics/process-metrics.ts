import { Counter, Gauge, type Registry } from 'prom-client';

/** What ProcessMetrics needs of an ioredis client: its reconnect events. */
export interface ReconnectingClient {
  on(event: 'reconnecting', listener: () => void): unknown;
}

/** What ProcessMetrics needs of a mysql2 pool (TypeORM's MysqlDriver.pool). */
export interface EventedPool {
  on(event: 'connection' | 'enqueue', listener: () => void): unknown;
  /** mysql2's list of open connections (internal, so optional): counts those opened before watching began. */
  _allConnections?: { length: number };
}

export interface ProcessMetricsOptions {
  /** Retried units of work so far in this process (UnitOfWork's dbRetryCounter). */
  dbRetries: () => number;
}

/**
 * Figures about one process's connections, counted in memory because only that process sees them: an API
 * process reports its own on /metrics, a worker on WORKER_METRICS_PORT. Sum them across instances.
 */
export class ProcessMetrics {
  private readonly dbConnections: Counter;
  private readonly dbPoolWaits: Counter;
  private readonly redisReconnects: Counter<'connection'>;

  constructor(registry: Registry, options: ProcessMetricsOptions) {
    new Counter({
      name: 'slipway_db_retried_units_total',
      help: 'Units of work run again after a lost connection, deadlock or lock wait, in this process',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(options.dbRetries());
      },
    });
    this.dbConnections = new Counter({
      name: 'slipway_db_connections_opened_total',
      help: 'Database connections opened by this process (first connects and reconnects after a lost or idle-closed connection)',
      registers: [registry],
    });
    this.dbPoolWaits = new Counter({
      name: 'slipway_db_pool_waits_total',
      help: 'Queries that waited for a free pooled connection in this process',
      registers: [registry],
    });
    this.redisReconnects = new Counter({
      name: 'slipway_redis_reconnects_total',
      help: 'Redis reconnect attempts in this process, by connection',
      labelNames: ['connection'],
      registers: [registry],
    });
  }

  /** Counts the pool's open connections now and every connection it opens from now on. */
  watchDbPool(pool: EventedPool | undefined): void {
    this.dbConnections.inc(pool?._allConnections?.length ?? 0);
    pool?.on('connection', () => this.dbConnections.inc());
    pool?.on('enqueue', () => this.dbPoolWaits.inc());
  }

  watchRedis(connection: string, client: ReconnectingClient): void {
    this.redisReconnects.inc({ connection }, 0);
    client.on('reconnecting', () => this.redisReconnects.inc({ connection }));
  }

  /** A gauge read at scrape time, e.g. the worker's releases in flight. */
  static gauge(registry: Registry, name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  }
}
