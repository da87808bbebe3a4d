import { hostname, tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { inheritedAnsibleEnvironment } from './ansible-environment.js';
import { environmentSchema } from './config.schema.js';

/**
 * 107 bytes (a Unix socket path) less the longest run directory and socket name below it,
 * "/release-<10 digits>-<6 random>/out.sock" (35 bytes).
 */
const MAX_RUN_DIR_BYTES = 72;

export interface DatabaseConfig {
  url: string;
  /** Database name from the URL path; created if missing. */
  database: string;
  poolSize: number;
  maxIdle: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  retryBudgetMs: number;
}

export interface HttpConfig {
  /** Express's "trust proxy": false (believe no X-Forwarded-* header), a hop count, or the proxies' addresses. */
  trustProxy: false | number | string[];
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** Failed authentications tolerated per client address before it is locked out. */
export interface AuthLimitsConfig {
  maxFailures: number;
  signInMaxFailures: number;
  failureWindowMs: number;
  lockoutMs: number;
}

/**
 * What housekeeping deletes (README "Retention"). A days setting left unset keeps that kind of data
 * forever; with all three unset (the default) retention does nothing.
 */
export interface RetentionConfig {
  /** Finished releases (with their logs and idempotency keys) older than this many days are deleted. */
  releaseDays?: number;
  /** Log chunks of finished releases older than this many days are deleted; the release row stays. */
  logDays?: number;
  /** Audit entries older than this many days are deleted (independent of releases). */
  auditDays?: number;
  /** The newest K finished releases of each template keep their row and log whatever their age. */
  keepPerTemplate: number;
  intervalMs: number;
  batchSize: number;
  batchPauseMs: number;
}

/** Live log streams (SSE): see SSE_MAX_STREAMS_PER_TOKEN and SSE_CLIENT_BUFFER_BYTES. */
export interface EventStreamsConfig {
  /** Open streams one token (or the sessions made from it) may hold in one API process. */
  maxPerToken: number;
  /** A client this many bytes behind the live log is dropped (with a retry hint); also the memory a release's feed keeps. */
  clientBufferBytes: number;
}

/** Webhook delivery (README "Webhooks"): see the WEBHOOK_* settings. */
export interface WebhooksConfig {
  /** Base of the links in payloads. */
  publicUrl: string;
  /** IPs or CIDRs a webhook may connect to even though they are not public addresses. */
  allowedAddresses: string[];
  timeoutMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  pollMs: number;
  concurrency: number;
  /** Deliveries one pass claims at once and sends side by side. */
  batchSize: number;
}

/** The name SLIPWAY_BOOTSTRAP_TOKEN acts under (an admin with no token row); no stored token may take it. */
export const BOOTSTRAP_NAME = 'bootstrap';

export interface SlipwayConfig {
  http: HttpConfig;
  webhooks: WebhooksConfig;
  retention: RetentionConfig;
  eventStreams: EventStreamsConfig;
  authLimits: AuthLimitsConfig;
  database: DatabaseConfig;
  redisUrl: string;
  queuePrefix: string;
  catalogPath: string;
  port: number;
  host: string;
  workerConcurrency: number;
  ansiblePlaybookBin: string;
  /** Niceness added to every ansible-playbook process (and so to everything it forks). */
  ansibleNice: number;
  workerId: string;
  drainTimeoutMs: number;
  cancelGraceMs: number;
  workerHeartbeatMs: number;
  workerTtlMs: number;
  /** How often the worker's housekeeping ticks (reaping, re-queueing lost jobs, starting retention). */
  housekeepingIntervalMs: number;
  /** How often the schedules ticker runs (one pass per interval across the workers). */
  schedulePollMs: number;
  /** A queued release whose job vanished is re-queued only once it is this old (its add may be in progress). */
  lostJobGraceMs: number;
  /** Root of the per-run private directories (extra vars, TMPDIR, credentials); swept at start. */
  runDir: string;
  /** This host's git mirrors and catalog checkouts (git projects only). */
  gitCacheDir: string;
  /** The allow-listed part of the worker's environment that ansible-playbook inherits. */
  ansibleInheritedEnv: Record<string, string>;
  logBufferMaxLines: number;
  /** The events plugin's cap on its events.jsonl per run, bytes (passed to it as SLIPWAY_EVENTS_MAX_BYTES). */
  eventsMaxBytes: number;
  /** SLIPWAY_BOOTSTRAP_TOKEN: an admin acting under BOOTSTRAP_NAME, with no token row. */
  bootstrapToken?: string;
  workerMetricsPort?: number;
  logLevel: string;
  logFormat: 'json' | 'pretty';
  dashboardDir?: string;
  /** Keys for secret var values at rest; `current` encrypts, every key decrypts. */
  secretKeys: SecretKeys;
  dns: DnsConfig;
}

export interface DnsConfig {
  /** Absolute; each zone is installed there as <zone>.zone. */
  zonesDir: string;
  checkzoneBin: string;
  /** Run after each install; empty: none. "{zone}" in an argument is the zone's name. */
  reloadArgv: string[];
  renderConcurrency: number;
  renderDelayMs: number;
  renderMaxWaitMs: number;
  /** The sweep renders a zone left behind this long (its render job never reached Redis). */
  renderSweepAfterMs: number;
}

/** A 32-byte AES key that prints as "[redacted]" if a config object is ever logged. */
export class SecretKey {
  constructor(readonly bytes: Buffer) {}
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
}

export interface SecretKeys {
  /** From SLIPWAY_SECRET_KEY; undefined when unset (secret values then cannot be stored or read). */
  current?: SecretKey;
  /** From SLIPWAY_SECRET_KEY_PREVIOUS, for reading values stored before a rotation. */
  previous?: SecretKey;
}

/** A bad environment: `message` is the one line printed before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the environment once. Throws ConfigError naming the first bad variable
 * and what is wrong with it; never echoes the value (it may be a secret).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SlipwayConfig {
  // Empty strings mean "unset" so `FOO= node main.js` falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid environment: ${String(issue?.path[0] ?? '?')} ${issue?.message ?? 'is invalid'}`);
  }
  const e = parsed.data;
  const dbUrl = new URL(e.DATABASE_URL);
  const database = decodeURIComponent(dbUrl.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
    throw new ConfigError('invalid environment: DATABASE_URL must name a database (letters, digits, "_") in its path');
  }
  if (e.DB_MAX_IDLE >= e.DB_POOL_SIZE) {
    // mysql2 only reaps idle connections when maxIdle < connectionLimit.
    throw new ConfigError('invalid environment: DB_MAX_IDLE must be lower than DB_POOL_SIZE');
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('invalid environment: HTTP_HEADERS_TIMEOUT_MS must not be higher than HTTP_REQUEST_TIMEOUT_MS');
  }
  if (e.WORKER_HEARTBEAT_MS * 3 > e.WORKER_TTL_MS) {
    // A live worker must renew its key well before it expires: a TTL missed by one slow beat would get
    // its releases reaped, and the worker fences itself (stops its runs) when it misses its own TTL.
    throw new ConfigError(
      `invalid environment: WORKER_HEARTBEAT_MS must be at most a third of WORKER_TTL_MS (${Math.floor(e.WORKER_TTL_MS / 3)} ms here)`,
    );
  }
  if (e.RETENTION_LOG_DAYS !== undefined && e.RETENTION_RELEASE_DAYS !== undefined && e.RETENTION_LOG_DAYS >= e.RETENTION_RELEASE_DAYS) {
    // Deleting a release deletes its log: a log cutoff at or beyond the release cutoff would never apply.
    throw new ConfigError(
      `invalid environment: RETENTION_LOG_DAYS must be lower than RETENTION_RELEASE_DAYS (${e.RETENTION_RELEASE_DAYS}); releases older than that are deleted with their logs`,
    );
  }
  const runDir = e.SLIPWAY_RUN_DIR ? resolve(e.SLIPWAY_RUN_DIR) : join(tmpdir(), `slipway-runs-${userInfo().uid}`);
  if (Buffer.byteLength(runDir) > MAX_RUN_DIR_BYTES) {
    throw new ConfigError(
      `invalid environment: SLIPWAY_RUN_DIR must be at most ${MAX_RUN_DIR_BYTES} bytes long (${runDir} is ${Buffer.byteLength(runDir)}): each run's output socket lives below it, and a Unix socket path is limited to 107 bytes`,
    );
  }
  return {
    webhooks: {
      publicUrl: (e.SLIPWAY_PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/+$/, ''),
      allowedAddresses: e.WEBHOOK_ALLOWED_ADDRESSES ? e.WEBHOOK_ALLOWED_ADDRESSES.split(',').map((a) => a.trim()) : [],
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      pollMs: e.WEBHOOK_POLL_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      batchSize: e.WEBHOOK_BATCH_SIZE,
    },
    retention: {
      releaseDays: e.RETENTION_RELEASE_DAYS,
      logDays: e.RETENTION_LOG_DAYS,
      auditDays: e.RETENTION_AUDIT_DAYS,
      keepPerTemplate: e.RETENTION_KEEP_PER_TEMPLATE,
      intervalMs: e.RETENTION_INTERVAL_MS,
      batchSize: e.RETENTION_BATCH_SIZE,
      batchPauseMs: e.RETENTION_BATCH_PAUSE_MS,
    },
    http: {
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEPALIVE_TIMEOUT_MS,
    },
    eventStreams: { maxPerToken: e.SSE_MAX_STREAMS_PER_TOKEN, clientBufferBytes: e.SSE_CLIENT_BUFFER_BYTES },
    authLimits: {
      maxFailures: e.AUTH_MAX_FAILURES,
      signInMaxFailures: e.SIGNIN_MAX_FAILURES,
      failureWindowMs: e.AUTH_FAILURE_WINDOW_MS,
      lockoutMs: e.AUTH_LOCKOUT_MS,
    },
    database: {
      url: e.DATABASE_URL,
      database,
      poolSize: e.DB_POOL_SIZE,
      maxIdle: e.DB_MAX_IDLE,
      idleTimeoutMs: e.DB_IDLE_TIMEOUT_MS,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      retryBudgetMs: e.DB_RETRY_BUDGET_MS,
    },
    redisUrl: e.REDIS_URL,
    queuePrefix: e.SLIPWAY_QUEUE_PREFIX,
    catalogPath: resolve(e.SLIPWAY_CATALOG),
    port: e.PORT,
    host: e.HOST,
    workerConcurrency: e.WORKER_CONCURRENCY,
    ansiblePlaybookBin: e.ANSIBLE_PLAYBOOK_BIN,
    ansibleNice: e.ANSIBLE_NICE,
    workerId: e.SLIPWAY_WORKER_ID ?? `${hostname()}:${process.pid}`,
    drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
    cancelGraceMs: e.CANCEL_GRACE_MS,
    workerHeartbeatMs: e.WORKER_HEARTBEAT_MS,
    workerTtlMs: e.WORKER_TTL_MS,
    housekeepingIntervalMs: e.HOUSEKEEPING_INTERVAL_MS,
    schedulePollMs: e.SCHEDULE_POLL_MS,
    lostJobGraceMs: e.LOST_JOB_GRACE_MS,
    // Per user, not per worker id: the default id changes with every restart, and the next incarnation
    // must find what the previous one left behind.
    runDir,
    gitCacheDir: e.SLIPWAY_GIT_CACHE_DIR ? resolve(e.SLIPWAY_GIT_CACHE_DIR) : join(tmpdir(), `slipway-git-${userInfo().uid}`),
    ansibleInheritedEnv: inheritedAnsibleEnvironment(env),
    logBufferMaxLines: e.LOG_BUFFER_MAX_LINES,
    eventsMaxBytes: e.SLIPWAY_EVENTS_MAX_BYTES,
    bootstrapToken: e.SLIPWAY_BOOTSTRAP_TOKEN,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    dashboardDir: e.SLIPWAY_DASHBOARD_DIR,
    dns: {
      zonesDir: resolve(e.DNS_ZONES_DIR),
      checkzoneBin: e.NAMED_CHECKZONE_BIN,
      reloadArgv: e.DNS_RELOAD_COMMAND,
      renderConcurrency: e.DNS_RENDER_CONCURRENCY,
      renderDelayMs: e.DNS_RENDER_DELAY_MS,
      renderMaxWaitMs: e.DNS_RENDER_MAX_WAIT_MS,
      renderSweepAfterMs: e.DNS_RENDER_SWEEP_AFTER_MS,
    },
    secretKeys: {
      ...(e.SLIPWAY_SECRET_KEY ? { current: new SecretKey(e.SLIPWAY_SECRET_KEY) } : {}),
      ...(e.SLIPWAY_SECRET_KEY_PREVIOUS ? { previous: new SecretKey(e.SLIPWAY_SECRET_KEY_PREVIOUS) } : {}),
    },
  };
}

/** The schema has checked the syntax; this turns it into the value Express's "trust proxy" setting takes. */
function parseTrustProxy(value: string | undefined): false | number | string[] {
  if (value === undefined || value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
}
