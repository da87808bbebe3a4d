import type { SlipwayConfig } from '@slipway/config';
import type { JobKindDefinition } from '@slipway/queue';
import { describe, expect, it, vi } from 'vitest';
import type { StopRequest } from '../release-outcome.js';
import { ShutdownCoordinator } from '../shutdown-coordinator.js';
import type { WorkerRegistry } from '../worker-registry.js';
import type { JobKindHandler } from './job-kind-handler.js';
import { JobKindRegistry, type RegisteredJobKind } from './job-kind-registry.js';

function definition(name: string, drain: JobKindDefinition<unknown>['drain'], queueName = name): JobKindDefinition<unknown> {
  return {
    name,
    queueName,
    jobName: name,
    concurrency: () => 1,
    lockDuration: 30_000,
    stalledInterval: 15_000,
    maxStalledCount: 1,
    defaultJobOptions: {},
    drain,
  };
}

/** A finish-in-flight handler whose work ends when the test says so, or once stopped (like the runner). */
function longWork() {
  let idle: (() => void) | null = null;
  let busy = true;
  const stops: StopRequest[] = [];
  const handler: JobKindHandler = {
    process: async () => undefined,
    whenIdle: () => (busy ? new Promise<void>((resolve) => (idle = resolve)) : Promise.resolve()),
    stopAll: (request) => void stops.push(request),
  };
  return { handler, stops, finish: () => ((busy = false), idle?.()) };
}

function kinds(...entries: [JobKindDefinition<unknown>, JobKindHandler][]): RegisteredJobKind[] {
  return entries.map(([def, handler]) => ({ definition: def, handler }));
}

const idleHandler: JobKindHandler = { process: async () => undefined };

describe('JobKindRegistry', () => {
  it('refuses a kind registered twice, and two kinds on one queue', () => {
    const a = definition('a', { policy: 'finish-in-flight' });
    expect(() => new JobKindRegistry(kinds([a, idleHandler], [a, idleHandler]))).toThrow('job kind "a" is registered twice');
    const b = definition('b', { policy: 'finish-in-flight' }, 'a');
    expect(() => new JobKindRegistry(kinds([a, idleHandler], [b, idleHandler]))).toThrow('job kinds "a" and "b" share the queue "a"');
  });

  it('reports each kind: jobs in flight and state', async () => {
    const registry = new JobKindRegistry(kinds([definition('releases', { policy: 'finish-in-flight' }), idleHandler], [definition('sweep', { policy: 'abandon-safely', graceMs: 10 }), idleHandler]));
    registry.jobStarted('releases', 'release-1');
    registry.jobStarted('releases', 'release-2');
    registry.jobStarted('sweep', 'repeat:1');
    registry.setState('sweep', 'draining');
    expect(registry.report()).toEqual({ releases: { inFlight: 2, state: 'active' }, sweep: { inFlight: 1, state: 'draining' } });
    expect(registry.inFlightIds).toEqual(['releases:release-1', 'releases:release-2', 'sweep:repeat:1']);
    let idle = false;
    const sweepIdle = registry.whenKindIdle('sweep').then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    registry.jobEnded('sweep', 'repeat:1');
    await sweepIdle;
    expect(registry.report().sweep).toEqual({ inFlight: 0, state: 'draining' });
  });

  it('an abandoned kind no longer holds the drain up, whatever it still has in hand', async () => {
    const registry = new JobKindRegistry(kinds([definition('sweep', { policy: 'abandon-safely', graceMs: 10 }), idleHandler]));
    registry.jobStarted('sweep', 'repeat:1');
    const idle = registry.whenIdle();
    registry.abandon('sweep');
    await idle;
    expect(registry.report().sweep?.inFlight).toBe(1);
  });
});

describe('ShutdownCoordinator over two kinds', () => {
  function setup(drainTimeoutMs: number) {
    const releases = longWork();
    const other = longWork();
    const registry = new JobKindRegistry(kinds([definition('releases', { policy: 'finish-in-flight' }), releases.handler], [definition('renders', { policy: 'finish-in-flight' }), other.handler]));
    const states: string[] = [];
    const workerRegistry = { setState: async (state: string) => void states.push(state) } as unknown as WorkerRegistry;
    const shutdown = new ShutdownCoordinator(registry, workerRegistry, { drainTimeoutMs, workerId: 'host:1' } as SlipwayConfig);
    const fetchers = [{ close: vi.fn(async () => undefined) }, { close: vi.fn(async () => undefined) }];
    for (const fetcher of fetchers) shutdown.attachFetcher(fetcher);
    return { shutdown, releases, other, fetchers, states };
  }

  it('closes the fetchers of every kind at once and waits for the work of both', async () => {
    const { shutdown, releases, other, fetchers, states } = setup(60_000);
    shutdown.beginDrain('SIGTERM');
    for (const fetcher of fetchers) expect(fetcher.close).toHaveBeenCalledTimes(1);
    expect(states).toEqual(['draining']);
    const done = shutdown.beforeApplicationShutdown('SIGTERM');
    releases.finish();
    await new Promise((r) => setTimeout(r, 20));
    expect(shutdown.phase).toBe('draining'); // the other kind still works
    other.finish();
    await done;
    expect(shutdown.phase).toBe('stopped');
    expect([...releases.stops, ...other.stops]).toEqual([]);
  });

  it('at the deadline, stops the work of every kind with the one reason', async () => {
    const { shutdown, releases, other } = setup(30);
    shutdown.beginDrain('SIGTERM');
    const done = shutdown.beforeApplicationShutdown('SIGTERM');
    await vi.waitFor(() => expect(shutdown.phase).toBe('cancelling'));
    await vi.waitFor(() => expect(other.stops.length).toBeGreaterThan(0));
    for (const stops of [releases.stops, other.stops]) {
      expect(stops[0]?.kind).toBe('interrupt');
      expect(stops[0]?.reason).toContain('drain deadline 30 ms');
    }
    releases.finish();
    other.finish();
    await done;
    expect(shutdown.phase).toBe('stopped');
  });

  it('a kind attached after the drain began is closed at once and waited for', async () => {
    const { shutdown, releases, other } = setup(60_000);
    shutdown.beginDrain('SIGTERM');
    let closed = false;
    let finishClose: () => void = () => undefined;
    shutdown.attachFetcher({ close: () => new Promise<void>((resolve) => (finishClose = () => ((closed = true), resolve()))) });
    releases.finish();
    other.finish();
    const done = shutdown.beforeApplicationShutdown('SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    expect(shutdown.phase).toBe('draining');
    finishClose();
    await done;
    expect(closed).toBe(true);
    expect(shutdown.phase).toBe('stopped');
  });
});
