import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { PrivateRedis } from '../support/private-servers.js';
import { type RunningApi, type ServiceProcess, runNode, runProcesses, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 11.4 (fencing, heartbeat ≤ TTL/3) and 11.6 (crash safety, pending outcomes), with real processes:
 * a private redis-server the test freezes, a worker that throws an uncaught error, and a broken entry
 * among the outcomes kept in Redis.
 */
const FINAL = ['succeeded', 'failed', 'cancelled', 'interrupted'];
const CATALOG = resolve(REPO_ROOT, 'test/fixtures/process/catalog.yml');
const CRASH_PRELOAD = resolve(REPO_ROOT, 'test/fixtures/process/crash-on-sigusr2.mjs');

describe('fencing, crashes and kept outcomes', () => {
  let redis: PrivateRedis;
  let env: TestEnv;
  let api: RunningApi;
  let client: ApiClient;
  const workers: ServiceProcess[] = [];
  const lockDir = mkdtempSync(join(tmpdir(), 'slipway-locks-'));

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    env = await createTestEnv('process-fencing', { redisUrl: redis.url });
    env.env.SLIPWAY_CATALOG = CATALOG;
    api = await startApi(env.env);
    client = new ApiClient(api.url, env.bootstrapToken);
  });

  afterEach(async () => {
    redis.thaw();
    await Promise.all(workers.splice(0).map((w) => w.stop(5_000)));
  });

  afterAll(async () => {
    await api?.stop();
    for (const p of runProcesses(env.runDir)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await env?.cleanup();
    await redis?.destroy();
    rmSync(lockDir, { recursive: true, force: true });
  });

  const leftovers = () =>
    runProcesses(env.runDir, { name: 'SLIPWAY_QUEUE_PREFIX', value: env.queuePrefix }).filter(
      (p) => !/dist\/apps\/(api|worker)\/main\.js/.test(p.command),
    );
  const start = async (lane: string, seconds = 60): Promise<ReleaseJson> => {
    const release = await client.createRelease({ template: 'fork-sleep', inventory: lane, extraVars: { seconds, lock_file: join(lockDir, `${lane}.lock`) } });
    await waitFor(`release ${release.id} to hold its lock`, async () => (await client.log(release.id)).includes('TASK [hold the lock]'), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    return release;
  };
  const launchWorker = async (extra: Record<string, string> = {}, nodeOptions?: string) => {
    const worker = await startWorker({
      ...env.env,
      WORKER_HEARTBEAT_MS: '500',
      WORKER_TTL_MS: '2000',
      CANCEL_GRACE_MS: '2000',
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      ...extra,
    });
    workers.push(worker);
    return worker;
  };

  it('a worker whose heartbeat cannot be renewed (Redis frozen) stops its own ansible within TTL + grace, and records why', async () => {
    const worker = await launchWorker();
    const release = await start('lane1');
    expect(leftovers().length).toBeGreaterThan(0);
    redis.freeze();
    const frozenAt = Date.now();
    // TTL 2 s + grace 2 s + the supervisor's poll and the kill; the worker itself stays up.
    await waitFor('the fenced run to be gone', () => leftovers().length === 0, { timeoutMs: 8_000, intervalMs: 100 }).catch(() => {
      throw new Error(`still running ${Date.now() - frozenAt} ms after Redis froze: ${JSON.stringify(leftovers().map((p) => p.command))}`);
    });
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(1_500); // not before the lease could have run out
    expect(worker.running).toBe(true);
    redis.thaw();
    const done = await client.waitForRelease(release.id, FINAL, 30_000);
    expect(done.status).toBe('interrupted');
    expect(done.reason).toMatch(/could not renew its heartbeat/);
    expect(readdirSync(env.runDir).filter((n) => n.startsWith(`release-${release.id}-`))).toEqual([]);
  });

  it('an uncaught error in the worker stops its runs, records them interrupted with the reason, and exits non-zero', async () => {
    const worker = await launchWorker({ CANCEL_GRACE_MS: '2000' }, `--import=${CRASH_PRELOAD}`);
    const release = await start('lane2');
    worker.signal('SIGUSR2');
    const exit = await Promise.race([worker.exited, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    expect(exit, worker.output.slice(-2000)).not.toBeNull();
    expect(exit?.code).not.toBe(0);
    expect(leftovers()).toEqual([]);
    const done = await client.getRelease(release.id);
    expect(done.status).toBe('interrupted');
    expect(done.reason).toContain('crashed (injected by the test (SIGUSR2))');
  });

  it('one unreadable kept outcome does not hold back the others; their log lines are stored in order', async () => {
    // A release that a vanished worker ("ghost") was running, whose outcome it could only keep in Redis.
    const created = await client.createRelease({ template: 'fork-sleep', inventory: 'lane3', runAt: new Date(Date.now() + 3_600_000).toISOString() });
    await queryDb(env.databaseUrl, "UPDATE releases SET status = 'running', worker_id = 'ghost', started_at = NOW() WHERE id = ?", [created.id]);
    const lines = Array.from({ length: 2_500 }, (_, i) => `kept line ${i + 1}`);
    const kept = {
      releaseId: created.id,
      workerId: 'ghost',
      outcome: { status: 'failed', exitCode: 2, reason: 'ansible-playbook exited with code 2 (one or more hosts failed)', recap: null, finishedAt: new Date().toISOString() },
      unstored: { firstSeq: 1, lines },
    };
    const key = `${env.queuePrefix}:pending-outcomes`;
    await redis.command(async (r) => {
      await r.hset(key, '0', '{not json');
      await r.hset(key, 'junk', JSON.stringify({ releaseId: 'x' }));
      await r.hset(key, String(created.id), JSON.stringify(kept));
    });
    const worker = await launchWorker();
    const done = await client.waitForRelease(created.id, FINAL, 30_000);
    expect(done.status).toBe('failed');
    expect(done.reason).toBe(kept.outcome.reason);
    expect(done.logLines).toBe(lines.length);
    const chunks = await queryDb<{ first_seq: number; last_seq: number }>(
      env.databaseUrl,
      'SELECT first_seq, last_seq FROM release_log_chunks WHERE release_id = ? ORDER BY first_seq',
      [created.id],
    );
    // Through the normal batching (bounded chunks), contiguous from line 1.
    expect(chunks.length).toBeGreaterThan(1);
    let next = 1;
    for (const chunk of chunks) {
      expect(Number(chunk.first_seq)).toBe(next);
      next = Number(chunk.last_seq) + 1;
    }
    expect(next - 1).toBe(lines.length);
    const remaining = await redis.command((r) => r.hkeys(key));
    expect(remaining.sort()).toEqual(['0', 'junk']);
    expect(worker.running).toBe(true);
  });

  it.each([
    ['15000', '15000'],
    ['6000', '15000'],
  ])('refuses WORKER_HEARTBEAT_MS=%s with WORKER_TTL_MS=%s at start, with one line', async (heartbeat, ttl) => {
    const { code, output } = await runNode('dist/apps/worker/main.js', { ...env.env, WORKER_HEARTBEAT_MS: heartbeat, WORKER_TTL_MS: ttl });
    expect(code).toBe(1);
    expect(output.trim()).toBe('slipway-worker: invalid environment: WORKER_HEARTBEAT_MS must be at most a third of WORKER_TTL_MS (5000 ms here)');
  });

  it('the drain deadline stops the whole group: the release is interrupted, nothing is left, the worker exits 0', async () => {
    const worker = await launchWorker({ DRAIN_TIMEOUT_MS: '2000' });
    const release = await start('lane4');
    worker.signal('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    expect(leftovers()).toEqual([]);
    const done = await client.getRelease(release.id);
    expect(done.status).toBe('interrupted');
    expect(done.reason).toContain('drain deadline');
    expect(readdirSync(env.runDir).filter((n) => n.startsWith(`release-${release.id}-`))).toEqual([]);
  });
});
