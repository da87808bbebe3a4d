import { isIP } from 'node:net';
import { z } from 'zod';

/** Integer read from an environment string, with bounds that make a typo obvious rather than silently odd. */
const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

/** 32 bytes as 64 hex digits or base64; the message never echoes the value. */
const secretKey = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const bytes = /^[0-9a-fA-F]{64}$/.test(value)
      ? Buffer.from(value, 'hex')
      : /^[A-Za-z0-9+/]{43}=?$/.test(value)
        ? Buffer.from(value, 'base64')
        : null;
    if (bytes === null || bytes.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'must be 32 bytes as 64 hex digits or base64 (generate one with: openssl rand -base64 32)' });
      return z.NEVER;
    }
    return bytes;
  });

const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: "false", a hop count, or a list of proxy addresses/subnets as Express's "trust proxy" takes them. */
function isTrustProxy(value: string): boolean {
  if (value === 'false') return true;
  if (/^\d+$/.test(value)) return Number(value) >= 1 && Number(value) <= 10;
  return value.split(',').every((entry) => {
    const [address, prefix, ...extra] = entry.trim().split('/');
    if (!address || extra.length > 0) return false;
    if (TRUST_PROXY_NAMES.has(address)) return prefix === undefined;
    const family = isIP(address);
    if (family === 0) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  });
}

/** IPs or CIDRs separated by commas. */
function isAddressList(value: string): boolean {
  return value.split(',').every((entry) => {
    const [address, prefix, ...extra] = entry.trim().split('/');
    if (!address || extra.length > 0) return false;
    const family = isIP(address);
    if (family === 0) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  });
}

/**
 * Every environment variable Slipway reads, with its default. This is the only place that touches
 * process.env (see loadConfig), so a reader finds every knob here.
 */
export const environmentSchema = z.object({
  DATABASE_URL: url(['mysql:', 'mariadb:']).default('mysql://root@127.0.0.1:3306/slipway'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  SLIPWAY_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"')
    .default('slipway'),
  SLIPWAY_CATALOG: z.string().min(1, 'must not be empty').default('examples/catalog.yml'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_CONCURRENCY: int(1, 256).default(2),
  ANSIBLE_PLAYBOOK_BIN: z.string().min(1, 'must not be empty').default('ansible-playbook'),
  // Playbooks run at this niceness so the worker's own work (starting releases, forwarding log lines,
  // heartbeats, lock renewal) never queues behind them for CPU; 0 runs them at the worker's priority.
  ANSIBLE_NICE: int(0, 19).default(10),
  SLIPWAY_WORKER_ID: z.string().regex(/^[A-Za-z0-9_.:@-]{1,120}$/, 'must be 1-120 safe characters').optional(),
  // Worker shutdown (see ARCHITECTURE.md, "Worker shutdown timeline").
  DRAIN_TIMEOUT_MS: int(0, 86_400_000).default(570_000),
  CANCEL_GRACE_MS: int(0, 3_600_000).default(20_000),
  WORKER_HEARTBEAT_MS: int(100, 60_000).default(5_000),
  WORKER_TTL_MS: int(500, 120_000).default(15_000),
  // Worker housekeeping (apps/worker/src/housekeeping.ts): how often it reaps lost workers, re-queues lost
  // jobs and starts retention; and how old a queued release without a job must be before it is re-queued
  // (younger, its add may still be in progress).
  HOUSEKEEPING_INTERVAL_MS: int(100, 600_000).default(5_000),
  LOST_JOB_GRACE_MS: int(1_000, 3_600_000).default(30_000),
  // How often one worker (whichever takes the pass) looks for due schedule ticks: a tick starts at most this late.
  SCHEDULE_POLL_MS: int(100, 60_000).default(5_000),
  // DB pool: idle connections are reaped well before any sane wait_timeout (ARCHITECTURE.md, "DB resilience").
  DB_POOL_SIZE: int(2, 500).default(10),
  DB_MAX_IDLE: int(0, 499).default(2),
  DB_IDLE_TIMEOUT_MS: int(1_000, 86_400_000).default(60_000),
  DB_CONNECT_TIMEOUT_MS: int(100, 120_000).default(10_000),
  DB_RETRY_BUDGET_MS: int(0, 3_600_000).default(120_000),
  LOG_BUFFER_MAX_LINES: int(100, 10_000_000).default(50_000),
  // The events plugin's cap on its file per run (events.jsonl, issue 21): events past it are counted as not
  // kept (shown on the release), never silently dropped; the final stats are always written. 512 MiB.
  SLIPWAY_EVENTS_MAX_BYTES: int(1_024, 68_719_476_736).default(536_870_912),
  // An admin token whoever knows it holds: 32+ characters (e.g. `openssl rand -hex 32`), so guessing is hopeless.
  SLIPWAY_BOOTSTRAP_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  // HTTP (README "Security model", "HTTP and tokens"). The proxies whose X-Forwarded-* headers are believed.
  TRUST_PROXY: z
    .string()
    .trim()
    .refine(isTrustProxy, 'must be false, a hop count (1-10), or the proxy addresses (IPs, CIDRs, loopback, linklocal, uniquelocal) separated by commas; "true" would believe any client')
    .optional(),
  // A request must arrive whole (headers and body) within these, or its connection is cut (slow clients).
  HTTP_REQUEST_TIMEOUT_MS: int(1_000, 3_600_000).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: int(1_000, 3_600_000).default(10_000),
  HTTP_KEEPALIVE_TIMEOUT_MS: int(1_000, 3_600_000).default(5_000),
  // Failed authentications per client address within the window, then a lockout (429 with Retry-After).
  AUTH_MAX_FAILURES: int(1, 100_000).default(30),
  SIGNIN_MAX_FAILURES: int(1, 100_000).default(10),
  AUTH_FAILURE_WINDOW_MS: int(1_000, 86_400_000).default(60_000),
  AUTH_LOCKOUT_MS: int(1_000, 86_400_000).default(300_000),
  // Live log streams (GET /releases/:id/events): open streams per token in one API process (429 past it),
  // and how far behind (bytes not yet taken) a client may fall before it is dropped with a retry hint.
  SSE_MAX_STREAMS_PER_TOKEN: int(1, 1_000_000).default(50),
  SSE_CLIENT_BUFFER_BYTES: int(65_536, 1_073_741_824).default(8_388_608),
  WORKER_METRICS_PORT: int(1, 65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  SLIPWAY_DASHBOARD_DIR: z.string().optional(),
  // Encrypts secret var values at rest (AES-256-GCM). 32 random bytes: `openssl rand -base64 32`.
  SLIPWAY_SECRET_KEY: secretKey.optional(),
  // The key before the last rotation: stored secrets encrypted with it can still be read (re-runs).
  SLIPWAY_SECRET_KEY_PREVIOUS: secretKey.optional(),
  // Where the worker keeps one private 0700 directory per run (README "Restarting safely").
  SLIPWAY_RUN_DIR: z.string().min(1).optional(),
  // Retention (README "Retention"): unset days keep everything, which is the default. Only finished
  // releases whose finished_at is older than the cutoff are touched; the newest K finished releases of
  // each template are kept whatever their age.
  RETENTION_RELEASE_DAYS: int(1, 36_500).optional(),
  RETENTION_LOG_DAYS: int(1, 36_500).optional(),
  RETENTION_AUDIT_DAYS: int(1, 36_500).optional(),
  RETENTION_KEEP_PER_TEMPLATE: int(0, 1_000_000).default(0),
  RETENTION_INTERVAL_MS: int(1_000, 86_400_000).default(60_000),
  // Rows per statement, and the pause between batches that leaves the DB to running releases.
  RETENTION_BATCH_SIZE: int(1, 10_000).default(500),
  RETENTION_BATCH_PAUSE_MS: int(0, 60_000).default(50),
  // Where this host keeps a bare mirror of each git project (shared by its workers, fetched under a lock)
  // and the checkout the catalog is checked against (README "Playbooks from git", "Scaling out").
  SLIPWAY_GIT_CACHE_DIR: z.string().min(1).optional(),
  // Webhooks (README "Webhooks"). Where the links in a payload point (the address people reach Slipway at).
  SLIPWAY_PUBLIC_URL: url(['http:', 'https:']).optional(),
  // Addresses a webhook may connect to although they are loopback, private, link-local or metadata
  // addresses (refused by default, checked at connect time): IPs or CIDRs separated by commas.
  WEBHOOK_ALLOWED_ADDRESSES: z
    .string()
    .trim()
    .refine(isAddressList, 'must be IP addresses or CIDRs (e.g. 127.0.0.1,10.1.0.0/16) separated by commas')
    .optional(),
  // One attempt's whole time (connect, send, answer); then it counts as failed.
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  // The first retry's delay; later ones grow from it (webhook-backoff.ts). Tests shorten it.
  WEBHOOK_RETRY_BASE_MS: int(1, 3_600_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: int(1, 100).default(8),
  // How often the webhook-delivery kind looks for due deliveries, and how many passes one worker runs at once.
  WEBHOOK_POLL_MS: int(50, 600_000).default(500),
  WEBHOOK_CONCURRENCY: int(1, 64).default(2),
  // Deliveries one pass claims in one statement and sends side by side (in flight per worker: × WEBHOOK_CONCURRENCY).
  WEBHOOK_BATCH_SIZE: int(1, 1_000).default(100),
  // The DNS records service (README "DNS"): where rendered zone files are installed (one <zone>.zone each,
  // the directory named's config points at), the checker, the reload step as a JSON argv ("{zone}" is
  // replaced; no shell), and how renders coalesce: a render waits DNS_RENDER_DELAY_MS after a change for
  // more changes, but never lets a change wait more than DNS_RENDER_MAX_WAIT_MS.
  DNS_ZONES_DIR: z.string().min(1, 'must not be empty').default('var/dns/zones'),
  NAMED_CHECKZONE_BIN: z.string().min(1, 'must not be empty').default('named-checkzone'),
  DNS_RELOAD_COMMAND: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return [];
      try {
        const argv: unknown = JSON.parse(value);
        if (Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === 'string' && a.length > 0)) return argv as string[];
      } catch {
        // answered below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings, e.g. ["rndc","reload","{zone}"] (run without a shell)' });
      return z.NEVER;
    }),
  DNS_RENDER_CONCURRENCY: int(1, 64).default(2),
  DNS_RENDER_DELAY_MS: int(0, 60_000).default(200),
  DNS_RENDER_MAX_WAIT_MS: int(0, 600_000).default(2_000),
  // A zone whose oldest unrendered change is older than this is rendered by the sweep (its job was lost).
  DNS_RENDER_SWEEP_AFTER_MS: int(1_000, 86_400_000).default(15_000),
});

export type Environment = z.infer<typeof environmentSchema>;
