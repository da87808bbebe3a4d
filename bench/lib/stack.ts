import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ApiClient } from '../../test/support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../../test/support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../../test/support/test-env.js';
import { waitFor } from '../../test/support/wait-for.js';
import { REPO_ROOT } from './report.js';

export const STUB_BIN = join(REPO_ROOT, 'bench/stub-ansible-playbook');
export const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/**
 * A catalog for benchmarks: `hello` (the real example playbook) and `stub-0…stub-<n-1>`, each its own
 * lock key, so releases spread over them can run in parallel (one lock key runs one release at a time).
 * The stub ignores the playbook; it must exist only because the catalog is validated. The stub's own
 * settings (stub_lines, stub_sleep_ms, ...) are undeclared vars, hence `openVars: true`.
 */
export function writeBenchCatalog(stubTemplates: number): string {
  const dir = mkdtempSync(join(os.tmpdir(), 'slipway-bench-catalog-'));
  const templates = [
    '  hello: { playbook: hello.yml, inventories: [local], timeout: 60, extraVars: { greeting: hi } }',
    ...Array.from({ length: stubTemplates }, (_, i) => `  stub-${i}: { playbook: hello.yml, inventories: [local], timeout: 3600, openVars: true }`),
  ];
  const file = join(dir, 'catalog.yml');
  writeFileSync(
    file,
    [`project: ${JSON.stringify(join(REPO_ROOT, 'examples/playbooks'))}`, 'inventories:', '  local: inventories/local.ini', 'templates:', ...templates, ''].join('\n'),
  );
  return file;
}

export interface StackOptions {
  name: string;
  workers: number;
  stubTemplates?: number;
  /** Environment for every worker (e.g. WORKER_CONCURRENCY); ANSIBLE_PLAYBOOK_BIN is the stub unless set. */
  workerEnv?: Record<string, string>;
  apiEnv?: Record<string, string>;
  /** Another MariaDB server (URL without a database), e.g. a private one whose statistics count only this stack. */
  mariadbUrl?: string;
  /** The DB user the API connects as (any name on a private server with --skip-grant-tables), to count its statements apart. */
  apiDbUser?: string;
}

/** API and workers from the built bundles, on a private database and queue prefix (the e2e harness). */
export class Stack {
  private constructor(
    readonly env: TestEnv,
    readonly api: RunningApi,
    readonly workers: ServiceProcess[],
    readonly client: ApiClient,
    readonly workerEnv: Record<string, string>,
  ) {}

  static async start(options: StackOptions): Promise<Stack> {
    const env = await createTestEnv(`bench-${options.name}`, options.mariadbUrl ? { mariadbUrl: options.mariadbUrl } : {});
    const base = { ...env.env, SLIPWAY_CATALOG: writeBenchCatalog(options.stubTemplates ?? 1), LOG_LEVEL: 'info' };
    const apiDb: Record<string, string> = options.apiDbUser ? { DATABASE_URL: env.databaseUrl.replace('mysql://root@', `mysql://${options.apiDbUser}@`) } : {};
    let api: RunningApi | undefined;
    try {
      // BENCH_PROFILE_DIR=/some/dir: the API and every worker write a V8 CPU profile there when they exit (where the time goes).
      const profile: Record<string, string> = process.env.BENCH_PROFILE_DIR ? { NODE_OPTIONS: `--require ${join(REPO_ROOT, 'bench/cpu-profile.cjs')}` } : {};
      api = await startApi({ ...base, ...apiDb, ...profile, ...options.apiEnv });
      const workerEnv = { ...base, ANSIBLE_PLAYBOOK_BIN: STUB_BIN, ...profile, ...options.workerEnv };
      const starting = Array.from({ length: options.workers }, () => startWorker(workerEnv));
      const started = await Promise.allSettled(starting);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) {
        // Nothing of a stack that did not start may stay behind to load the next bench.
        const up = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
        await Promise.all(up.map((worker) => worker.stop(10_000)));
        throw failed.reason;
      }
      const workers = started.map((result) => (result as PromiseFulfilledResult<ServiceProcess>).value);
      return new Stack(env, api, workers, new ApiClient(api.url, env.bootstrapToken), workerEnv);
    } catch (error) {
      await api?.stop();
      await env.cleanup();
      throw error;
    }
  }

  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return queryDb<T>(this.env.databaseUrl, sql, params);
  }

  async finishedCount(): Promise<number> {
    const rows = await this.query<{ n: number }>(`SELECT COUNT(*) AS n FROM releases WHERE status IN (?)`, [FINAL_STATUSES]);
    return Number(rows[0]?.n ?? 0);
  }

  /** Waits on the database (not the API, so the wait adds no HTTP load) until `count` releases are final. */
  waitForFinished(count: number, timeoutMs: number, intervalMs = 50): Promise<number> {
    return waitFor(`${count} releases to finish`, async () => ((await this.finishedCount()) >= count ? Date.now() : undefined), {
      timeoutMs,
      intervalMs,
    });
  }

  async redisInfo(): Promise<string> {
    const redis = new Redis(this.env.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const info = await redis.info('server');
      return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    } finally {
      redis.disconnect();
    }
  }

  async versions(): Promise<{ mariadb: string; redis: string }> {
    const rows = await this.query<{ v: string }>('SELECT VERSION() AS v');
    return { mariadb: rows[0]?.v ?? 'unknown', redis: await this.redisInfo() };
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.map((w) => w.stop(30_000)), this.api.stop()]);
    await this.env.cleanup();
  }
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : Number.NaN;
}

/**
 * Samples a process's RSS every `intervalMs` until stopped; returns every sample. It also samples once when
 * started and once when stopped, so a run shorter than one interval (a smoke-sized bench on a fast machine)
 * still has figures instead of an empty list.
 */
export function sampleRss(pid: number, intervalMs = 100): { stop(): number[]; samples: number[] } {
  const samples: number[] = [];
  const sample = (): void => {
    try {
      samples.push(rssBytes(pid));
    } catch {
      // the process exited
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      sample();
      return samples;
    },
  };
}

export const MiB = 1024 * 1024;
