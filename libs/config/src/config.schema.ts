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
  // DB pool: idle connections are reaped well before any sane wait_timeout (ARCHITECTURE.md, "DB resilience").
  DB_POOL_SIZE: int(2, 500).default(10),
  DB_MAX_IDLE: int(0, 499).default(2),
  DB_IDLE_TIMEOUT_MS: int(1_000, 86_400_000).default(60_000),
  DB_CONNECT_TIMEOUT_MS: int(100, 120_000).default(10_000),
  DB_RETRY_BUDGET_MS: int(0, 3_600_000).default(120_000),
  LOG_BUFFER_MAX_LINES: int(100, 10_000_000).default(50_000),
  SLIPWAY_BOOTSTRAP_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  WORKER_METRICS_PORT: int(1, 65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  SLIPWAY_DASHBOARD_DIR: z.string().optional(),
  // Where the worker keeps one private 0700 directory per run (README "Restarting safely").
  SLIPWAY_RUN_DIR: z.string().min(1).optional(),
});

export type Environment = z.infer<typeof environmentSchema>;
