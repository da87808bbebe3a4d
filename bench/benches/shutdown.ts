import { type ServiceProcess, startWorker } from '../../test/support/processes.js';
import { waitFor } from '../../test/support/wait-for.js';
import { ReleaseEventTap } from '../lib/event-tap.js';
import { type BenchResult, runInfo, machineInfo } from '../lib/report.js';
import { Stack } from '../lib/stack.js';
import { distribution, nowMs, round } from '../lib/stats.js';

export interface ShutdownOptions {
  /** Rounds of each measurement (a fresh worker each time). */
  rounds: number;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM and the wall-clock moment the process was seen to exit. */
async function terminate(worker: ServiceProcess): Promise<{ sentAt: number; exitedAt: number; code: number | null }> {
  const sentAt = nowMs();
  worker.signal('SIGTERM');
  const { code } = await worker.exited;
  return { sentAt, exitedAt: nowMs(), code };
}

/**
 * Shutdown figures of the drain timeline (ARCHITECTURE.md):
 *  - idle exit: SIGTERM to a worker with nothing in flight → process gone;
 *  - SIGTERM → no more fetches: SIGTERM → the worker's "draining" log line (written right after it closed
 *    its fetcher), checked by a release queued just after the signal that this worker must leave alone;
 *  - last release done → exit: the release's final status published → process gone.
 */
export async function benchShutdown(options: ShutdownOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const machineAtStart = machineInfo();
  const stack = await Stack.start({ name: 'shutdown', workers: 0, stubTemplates: 2 });
  const tap = await ReleaseEventTap.open(stack.env.redisUrl, stack.env.queuePrefix);
  try {
    const idleExit: number[] = [];
    for (let i = 0; i < options.rounds; i++) {
      const worker = await startWorker(stack.workerEnv);
      await settle(1_000);
      const { sentAt, exitedAt, code } = await terminate(worker);
      if (code !== 0) throw new Error(`idle worker exited with ${code}:\n${worker.output}`);
      idleExit.push(exitedAt - sentAt);
    }

    const stopFetching: number[] = [];
    const lastDoneToExit: number[] = [];
    let fetchedAfterSigterm = 0;
    for (let i = 0; i < options.rounds; i++) {
      const worker = await startWorker(stack.workerEnv);
      const running = await stack.client.createRelease({ template: 'stub-0', extraVars: { stub_sleep_ms: 1_500, stub_lines: 3 } });
      await waitFor(
        `release ${running.id} running`,
        async () => (await stack.client.getRelease(running.id)).status === 'running',
        { timeoutMs: 30_000, intervalMs: 20 },
      );
      const sentAt = nowMs();
      worker.signal('SIGTERM');
      const late = await stack.client.createRelease({ template: 'stub-1', extraVars: { stub_lines: 1 } });
      const seen = await tap.finished(running.id);
      const { code } = await worker.exited;
      const exitedAt = nowMs();
      if (code !== 0 || seen.status !== 'succeeded') throw new Error(`drain round ${i}: exit ${code}, release ${seen.status}:\n${worker.output}`);
      const draining = worker.jsonLines().find((l) => /draining/.test(String(l.msg)));
      if (draining) stopFetching.push(new Date(String(draining.time)).getTime() - sentAt);
      lastDoneToExit.push(exitedAt - (seen.finalAt ?? exitedAt));
      const lateRelease = await stack.client.getRelease(late.id);
      if (lateRelease.status !== 'queued' || lateRelease.workerId) fetchedAfterSigterm++;
      // The next round's worker takes the late release first; let it finish before measuring again.
      const next = await startWorker(stack.workerEnv);
      await tap.finished(late.id);
      await terminate(next);
    }
    const idle = distribution(idleExit);
    const stop = distribution(stopFetching);
    const exit = distribution(lastDoneToExit);
    return {
      bench: 'shutdown',
      title: 'Shutdown',
      ...(await runInfo(startedAt, machineAtStart, stack)),
      settings: { ...options },
      figures: [
        {
          figure: 'shutdown: SIGTERM → no more fetches',
          unit: 'ms',
          median: round(stop.p50, 0),
          p99: round(stop.p99, 0),
          target: '≤ 100 ms',
          met: stop.p99 <= 100 && fetchedAfterSigterm === 0,
          note: `from the "draining" log line (1 ms resolution); releases queued right after SIGTERM and taken by the draining worker: ${fetchedAfterSigterm}/${options.rounds}`,
        },
        { figure: 'shutdown: last release done → exit', unit: 'ms', median: round(exit.p50, 0), p99: round(exit.p99, 0), target: '≤ 1 s', met: exit.p99 <= 1_000 },
        { figure: 'shutdown: idle exit (SIGTERM → process gone)', unit: 'ms', median: round(idle.p50, 0), p99: round(idle.p99, 0), target: '≤ 1 s', met: idle.p99 <= 1_000 },
      ],
    };
  } finally {
    tap.close();
    await stack.close();
  }
}
