import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, autogroupNice, descendantsOf, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/** The log endpoint ends every line with "\n" (blank lines included). */
function countLines(text: string): number {
  return text === '' ? 0 : text.split('\n').length - 1;
}

/**
 * Issue 2, end to end: real MariaDB, Redis and ansible-playbook; API and two workers as separate
 * processes started from the built bundles.
 */
describe('release lifecycle', () => {
  let env: TestEnv;
  let api: RunningApi;
  let workers: ServiceProcess[] = [];
  let client: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('lifecycle');
    api = await startApi(env.env);
    client = new ApiClient(api.url, env.bootstrapToken);
  });

  afterAll(async () => {
    await Promise.all([...workers.map((w) => w.stop()), api?.stop()]);
    await env?.cleanup();
  });

  async function releaseRowCount(): Promise<number> {
    const rows = await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM releases');
    return Number(rows[0]?.n);
  }

  async function jobKeys(): Promise<string[]> {
    const redis = new Redis(env.redisUrl);
    try {
      return (await redis.keys(`${env.queuePrefix}:releases:*`)).filter((k) => /:releases:release-\d+$/.test(k));
    } finally {
      redis.disconnect();
    }
  }

  describe('bad input is refused, names the field, and writes nothing', () => {
    const cases: { name: string; body: unknown; status: number; field: string; headers?: Record<string, string> }[] = [
      { name: 'unknown template', body: { template: 'nope' }, status: 400, field: 'template' },
      { name: 'unknown inventory', body: { template: 'hello', inventory: 'prod' }, status: 400, field: 'inventory' },
      { name: 'template of the wrong type', body: { template: 5 }, status: 400, field: 'template' },
      { name: 'checkMode of the wrong type', body: { template: 'hello', checkMode: 'yes' }, status: 400, field: 'checkMode' },
      { name: 'tags not an array', body: { template: 'hello', tags: 'a,b' }, status: 400, field: 'tags' },
      { name: 'extra vars not an object', body: { template: 'hello', extraVars: ['a'] }, status: 400, field: 'extraVars' },
      { name: 'unknown field', body: { template: 'hello', playbook: '/etc/passwd' }, status: 400, field: 'playbook' },
      { name: 'limit starting with -', body: { template: 'hello', limit: '--become' }, status: 400, field: 'limit' },
      { name: 'tag starting with -', body: { template: 'hello', tags: ['ok', '-x'] }, status: 400, field: 'tags' },
      { name: 'skip tag starting with -', body: { template: 'hello', skipTags: ['--check'] }, status: 400, field: 'skipTags' },
      { name: 'invalid JSON', body: '{"template": "hello",', status: 400, field: 'body' },
      {
        name: 'body over 256 KiB',
        body: { template: 'hello', extraVars: { blob: 'x'.repeat(300 * 1024) } },
        status: 413,
        field: 'body',
      },
    ];

    for (const testCase of cases) {
      it(`${testCase.name} → ${testCase.status}`, async () => {
        const response = await client.request<{ message: string }>('POST', '/api/v1/releases', testCase.body);
        expect(response.status, response.text).toBe(testCase.status);
        expect(response.body.message).toContain(testCase.field);
        expect(await releaseRowCount()).toBe(0);
        expect(await jobKeys()).toEqual([]);
      });
    }

    it('unknown release id → 404', async () => {
      const response = await client.request<{ message: string }>('GET', '/api/v1/releases/999999');
      expect(response.status).toBe(404);
      expect(response.body.message).toContain('999999');
    });
  });

  describe('with one worker', () => {
    beforeAll(async () => {
      workers.push(await startWorker(env.env));
    });

    it('hello goes queued → running → succeeded and its log holds the greeting', async () => {
      const created = await client.createRelease({ template: 'hello', extraVars: { greeting: 'ahoy from e2e' } });
      expect(created.status).toBe('queued');
      const seen = new Set<string>([created.status]);
      const done = await waitFor(
        'hello to finish',
        async () => {
          const release = await client.getRelease(created.id);
          seen.add(release.status);
          return release.status === 'succeeded' || release.status === 'failed' ? release : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      expect(done.status).toBe('succeeded');
      expect(seen.has('running')).toBe(true);
      expect(done.exitCode).toBe(0);
      expect(done.workerId).toBeTruthy();
      expect(new Date(done.startedAt!).getTime()).toBeLessThanOrEqual(new Date(done.finishedAt!).getTime());
      expect(done.recap?.localhost?.failed).toBe(0);
      expect(done.recap?.localhost?.ok).toBeGreaterThan(0);
      const log = await client.log(created.id);
      expect(log).toContain('ahoy from e2e');
      expect(log).toContain('PLAY RECAP');
      expect(countLines(log)).toBe(done.logLines);
    });

    it('fail ends failed with exit code 2 and a readable reason', async () => {
      const created = await client.createRelease({ template: 'fail' });
      const done = await client.waitForRelease(created.id, ['succeeded', 'failed']);
      expect(done.status).toBe('failed');
      expect(done.exitCode).toBe(2);
      expect(done.reason).toContain('code 2');
      expect(done.recap?.localhost?.failed).toBe(1);
    });

    it('a 3 s deploy-sim streams lines before it ends', async () => {
      const created = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 3 } });
      const midRun = await waitFor(
        'progress lines while running',
        async () => {
          const release = await client.getRelease(created.id);
          if (release.status !== 'running') return undefined;
          const log = await client.log(created.id);
          return log.includes('progress 1/3') ? { release, lines: countLines(log) } : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      // ansible-playbook and everything it forked run below the worker's priority (ANSIBLE_NICE, 10).
      const playbookProcesses = descendantsOf(workers[0].pid);
      expect(playbookProcesses.some((p) => p.command.includes('ansible-playbook')), JSON.stringify(playbookProcesses)).toBe(true);
      expect(playbookProcesses.filter((p) => p.nice !== 10)).toEqual([]);
      // Each run is a session of its own, so its autogroup must be niced too, or twenty runs in flight take
      // twenty CPU shares against the worker's one (where the kernel has autogroups).
      const sessionNices = playbookProcesses.map((p) => ({ pid: p.pid, nice: autogroupNice(p.pid) })).filter((p) => p.nice !== undefined);
      expect(sessionNices.filter((p) => p.nice !== 10)).toEqual([]);
      const done = await client.waitForRelease(created.id, ['succeeded', 'failed']);
      expect(done.status).toBe('succeeded');
      // The rest of the log, read with ?after=, continues exactly where the mid-run read stopped.
      const rest = await client.log(created.id, midRun.lines);
      expect(countLines(rest)).toBe(done.logLines - midRun.lines);
      expect(rest).toContain('progress 3/3');
      expect(rest).toContain('PLAY RECAP');
    });
  });

  describe('a log longer than one page', () => {
    it('is stored whole and served whole, also as a download', async () => {
      if (workers.length === 0) workers.push(await startWorker(env.env));
      const created = await client.createRelease({ template: 'log-flood', extraVars: { lines: 45_000 } });
      const done = await client.waitForRelease(created.id, ['succeeded', 'failed'], 120_000);
      expect(done.status).toBe('succeeded');
      const log = await client.log(created.id);
      expect(countLines(log)).toBe(done.logLines);
      expect(log).toMatch(/line 1\b/);
      expect(log).toContain('line 45000');
      const download = await client.request('GET', `/api/v1/releases/${created.id}/log?download=1`);
      expect(download.headers.get('content-disposition')).toContain(`release-${created.id}.log`);
      expect(download.text).toBe(log);
    });
  });

  describe('with two workers', () => {
    beforeAll(async () => {
      await Promise.all(workers.map((w) => w.stop()));
      workers = await Promise.all([
        startWorker({ ...env.env, WORKER_CONCURRENCY: '1' }),
        startWorker({ ...env.env, WORKER_CONCURRENCY: '1' }),
      ]);
    });

    it('share 6 releases and run each exactly once', async () => {
      const inputs = [
        { template: 'deploy-sim', extraVars: { seconds: 2 } },
        { template: 'hello' },
        { template: 'fail' },
        { template: 'deploy-sim', extraVars: { seconds: 2 } },
        { template: 'hello' },
        { template: 'fail' },
      ];
      const created = await Promise.all(inputs.map((input) => client.createRelease(input)));
      const finished = await Promise.all(created.map((r) => client.waitForRelease(r.id, ['succeeded', 'failed'], 120_000)));
      for (const [i, release] of finished.entries()) {
        expect(release.status).toBe(inputs[i].template === 'fail' ? 'failed' : 'succeeded');
        const log = await client.log(release.id);
        expect(log.match(/PLAY RECAP/g)).toHaveLength(1);
      }
      const output = workers.map((w) => w.output).join('\n');
      for (const release of finished) {
        expect(output.match(new RegExp(`release ${release.id} started`, 'g'))).toHaveLength(1);
      }
      const usedWorkers = new Set(finished.map((r) => r.workerId));
      expect(usedWorkers.size).toBe(2);
    });
  });
});
