import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_OUTCOMES_QUEUE, type WorkerRegistryEntry } from '@slipway/queue';
import { ApiClient } from '../support/api-client.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';

/** Shorter than the 5 s default, so the kind's scheduler is seen to follow the setting and the test waits less. */
const HOUSEKEEPING_INTERVAL_MS = 1_000;
import { waitFor } from '../support/wait-for.js';

const FINAL = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/**
 * Issue 19.2, the job framework with the real worker: kept outcomes are written back by the
 * pending-outcomes kind (a job scheduler, not a timer in each worker), /workers reports every kind, and a
 * warm shutdown drains a release while the other kind is registered too.
 */
describe('job kinds on the worker', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;
  let redis: Redis;
  let pendingQueue: Queue;

  beforeAll(async () => {
    env = await createTestEnv('job-kinds');
    redis = new Redis(env.redisUrl);
    pendingQueue = new Queue(PENDING_OUTCOMES_QUEUE, { connection: { url: env.redisUrl }, prefix: env.queuePrefix });
    // Paused before any worker exists: what the kind does waits until the test resumes it.
    await pendingQueue.pause();
    api = await startApi(env.env);
    client = new ApiClient(api.url, env.bootstrapToken);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await pendingQueue?.close();
    redis?.disconnect();
    await env?.cleanup();
  });

  async function workerEntry(pid: number): Promise<WorkerRegistryEntry | undefined> {
    const { body } = await client.request<WorkerRegistryEntry[]>('GET', '/api/v1/workers');
    return body.find((w) => w.pid === pid);
  }

  it('a kept outcome is written back through the pending-outcomes job, and only through it', { timeout: 120_000 }, async () => {
    // A release whose vanished worker ("ghost") could only keep its outcome in Redis.
    const created = await client.createRelease({ template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });
    await queryDb(env.databaseUrl, "UPDATE releases SET status = 'running', worker_id = 'ghost', started_at = NOW() WHERE id = ?", [created.id]);
    const reason = 'ansible-playbook exited with code 2 (one or more hosts failed)';
    const kept = {
      releaseId: created.id,
      workerId: 'ghost',
      outcome: { status: 'failed', exitCode: 2, reason, recap: null, finishedAt: new Date().toISOString() },
      unstored: { firstSeq: 1, lines: ['kept line 1', 'kept line 2'] },
    };
    const key = `${env.queuePrefix}:pending-outcomes`;
    await redis.hset(key, String(created.id), JSON.stringify(kept));

    worker = await startWorker({ ...env.env, HOUSEKEEPING_INTERVAL_MS: String(HOUSEKEEPING_INTERVAL_MS) });
    const readyAt = Date.now();
    // Every worker upserts the one scheduler at start.
    const schedulers = await waitFor('the job scheduler to exist', async () => {
      const found = await pendingQueue.getJobSchedulers();
      return found.length > 0 ? found : undefined;
    });
    expect(schedulers.map((s) => [s.key, s.every])).toEqual([['pending-outcomes', HOUSEKEEPING_INTERVAL_MS]]);
    const entry = await waitFor('the worker in the registry', () => workerEntry(worker.pid));
    expect(entry.kinds).toEqual({
      releases: { inFlight: 0, state: 'active' },
      'pending-outcomes': { inFlight: 0, state: 'active' },
      schedules: { inFlight: 0, state: 'active' },
      'webhook-delivery': { inFlight: expect.any(Number) as number, state: 'active' },
      'dns-render': { inFlight: 0, state: 'active' },
      'approval-expiry': { inFlight: expect.any(Number) as number, state: 'active' },
    });

    // The API's /metrics reports each kind: what the workers run of it and its queue's jobs.
    const families = parsePrometheusText(await (await fetch(`${api.url}/metrics`)).text());
    expect(sampleValue(families, 'slipway_jobs_in_flight', { kind: 'releases' })).toBe(0);
    expect(sampleValue(families, 'slipway_job_kind_workers', { kind: 'pending-outcomes', state: 'active' })).toBe(1);
    expect(sampleValue(families, 'slipway_jobs', { kind: 'releases', state: 'waiting' })).toBe(0);
    expect(sampleValue(families, 'slipway_queue_jobs', { state: 'waiting' })).toBe(0);

    // While the kind's queue is paused, three housekeeping intervals pass and the outcome stays kept:
    // no timer writes it behind the job's back (the reaper leaves a release with a kept outcome alone).
    while (Date.now() - readyAt < 3 * HOUSEKEEPING_INTERVAL_MS + 1_000) {
      expect((await client.getRelease(created.id)).status).toBe('running');
      expect(await redis.hexists(key, String(created.id))).toBe(1);
      await new Promise((r) => setTimeout(r, 500));
    }

    await pendingQueue.resume();
    const done = await client.waitForRelease(created.id, FINAL, 30_000);
    expect(done.status).toBe('failed');
    expect(done.reason).toBe(reason);
    expect(done.logLines).toBe(2);
    await waitFor('the kept outcome to leave Redis', async () => (await redis.hexists(key, String(created.id))) === 0);
    const written = worker.jsonLines().filter((line) => line.msg === `release ${created.id}: kept outcome failed written`);
    expect(written).toHaveLength(1);
    // The scheduler keeps exactly one next job, and finished ones leave Redis.
    const counts = await pendingQueue.getJobCounts('completed', 'failed', 'delayed', 'wait', 'active');
    expect(counts.completed + counts.failed).toBe(0);
    expect(counts.delayed + counts.wait + counts.active).toBeLessThanOrEqual(1);
  });

  it('a job scheduler lost from Redis (a restart without persistence, a flush) is written back by the running worker', { timeout: 60_000 }, async () => {
    expect(await pendingQueue.getJobScheduler('pending-outcomes')).toBeDefined();
    await pendingQueue.removeJobScheduler('pending-outcomes');
    expect(await pendingQueue.getJobScheduler('pending-outcomes')).toBeUndefined();
    // Within a few housekeeping intervals, with no restart of the worker.
    const back = await waitFor('the scheduler written back', () => pendingQueue.getJobScheduler('pending-outcomes'), { timeoutMs: 30_000 });
    expect(back.every).toBe(HOUSEKEEPING_INTERVAL_MS);
    expect(worker.output).toContain('pending-outcomes: its job scheduler was missing from Redis');
  });

  it('SIGTERM drains a release in flight while the pending-outcomes kind is registered too; /workers shows each kind', { timeout: 120_000 }, async () => {
    const release = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 6 } });
    await client.waitForRelease(release.id, ['running'], 60_000);
    await waitFor('the release in flight in the registry', async () => (await workerEntry(worker.pid))?.kinds?.releases?.inFlight === 1);

    worker.signal('SIGTERM');
    const draining = await waitFor('the worker to report draining', async () => {
      const entry = await workerEntry(worker.pid);
      return entry?.state === 'draining' ? entry : undefined;
    });
    expect(draining.releases).toEqual([release.id]);
    expect(draining.kinds?.releases).toEqual({ inFlight: 1, state: 'draining' });
    expect(['draining', 'stopped']).toContain(draining.kinds?.['pending-outcomes']?.state);

    const exit = await worker.exited;
    expect(exit.code, worker.output.slice(-3000)).toBe(0);
    const done = await client.getRelease(release.id);
    expect(done.status).toBe('succeeded');
    expect(await client.log(release.id)).toContain('progress 6/6');
  });
});
