import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { QueueEvents } from 'bullmq';
import { RELEASES_QUEUE } from '@slipway/queue';
import { ApiClient } from './api-client.js';
import { type RunningApi, runProcesses, startApi } from './processes.js';
import { Supervisord, type SupervisordOptions } from './supervisord.js';
import { REPO_ROOT, type TestEnv, createTestEnv } from './test-env.js';

/** Inventories lane1…laneN, all localhost (see shutdownCatalog). */
export const LANES = 40;

/**
 * The example playbooks reachable through many "lanes": inventories that are all localhost, so releases of
 * one template can run side by side (the lock key is "{template}:{inventory}"); a suite that needs N
 * releases in flight at once gives them N different lanes.
 */
function shutdownCatalog(): string {
  const lanes = Array.from({ length: LANES }, (_, i) => `lane${i + 1}`);
  return [
    `project: ${resolve(REPO_ROOT, 'examples/playbooks')}`,
    'inventories:',
    ...lanes.map((lane) => `  ${lane}: inventories/local.ini`),
    'templates:',
    '  deploy-sim:',
    '    playbook: deploy-sim.yml',
    `    inventories: [${lanes.join(', ')}]`,
    '    timeout: 600',
    '    extraVars: { seconds: 30 }',
    '  hello:',
    '    playbook: hello.yml',
    `    inventories: [${lanes.join(', ')}]`,
    '    timeout: 60',
    '',
  ].join('\n');
}

/**
 * What the shutdown suites share: a private DB and queue prefix, the API (test harness), the two workers
 * under a private supervisord running the shipped config, and a record of BullMQ "stalled" events (a
 * release that stalls is what a bad drain looks like).
 */
export interface ShutdownSuite {
  env: TestEnv;
  api: RunningApi;
  client: ApiClient;
  supervisor: Supervisord;
  stalledJobs: string[];
  /** ansible-playbook processes (or the stand-in) started by this suite's workers and still alive. */
  leftoverAnsible(): { pid: number; command: string }[];
  close(): Promise<void>;
}

export async function startShutdownSuite(
  name: string,
  options: { env?: Record<string, string>; settings?: SupervisordOptions['settings'] } = {},
): Promise<ShutdownSuite> {
  const env = await createTestEnv(name);
  const catalogDir = mkdtempSync(join(tmpdir(), 'slipway-catalog-'));
  env.env.SLIPWAY_CATALOG = join(catalogDir, 'catalog.yml');
  writeFileSync(env.env.SLIPWAY_CATALOG, shutdownCatalog());
  // The API's admin token for this suite (the workers ignore it).
  env.env.SLIPWAY_BOOTSTRAP_TOKEN = randomBytes(24).toString('hex');
  Object.assign(env.env, options.env);
  const api = await startApi(env.env).catch(async (error: unknown) => {
    await env.cleanup();
    throw error;
  });
  const stalledJobs: string[] = [];
  const queueEvents = new QueueEvents(RELEASES_QUEUE, { connection: { url: env.redisUrl }, prefix: env.queuePrefix });
  queueEvents.on('stalled', ({ jobId }) => stalledJobs.push(jobId));
  let supervisor: Supervisord | undefined;
  try {
    await queueEvents.waitUntilReady();
    supervisor = await Supervisord.start({ env: env.env, settings: options.settings, without: ['program:slipway-api'] });
    await Promise.all([supervisor.waitWorkerReady(0), supervisor.waitWorkerReady(1)]);
  } catch (error) {
    // Nothing of a half-started suite may outlive it (afterAll never sees the suite object).
    const logs = supervisor?.allLogs() ?? '';
    await supervisor?.shutdown().catch(() => undefined);
    supervisor?.removeFiles();
    await queueEvents.close().catch(() => undefined);
    await api.stop();
    rmSync(catalogDir, { recursive: true, force: true });
    await env.cleanup();
    throw new Error(`${(error as Error).message}\n${logs}`, { cause: error });
  }
  const started = supervisor;
  return {
    env,
    api,
    client: new ApiClient(api.url, env.env.SLIPWAY_BOOTSTRAP_TOKEN),
    supervisor: started,
    stalledJobs,
    // By TMPDIR (ansible no longer inherits the worker's environment); one that did would count too.
    leftoverAnsible: () =>
      runProcesses(env.runDir, { name: 'SLIPWAY_QUEUE_PREFIX', value: env.queuePrefix })
        .filter((p) => p.command.includes('ansible-playbook'))
        .map(({ pid, command }) => ({ pid, command })),
    async close() {
      await started.shutdown().catch(() => undefined);
      await queueEvents.close().catch(() => undefined);
      await api.stop();
      started.removeFiles();
      rmSync(catalogDir, { recursive: true, force: true });
      await env.cleanup();
    },
  };
}
