import type { SlipwayConfig } from '@slipway/config';
import { describe, expect, it, vi } from 'vitest';
import { ShutdownCoordinator } from './shutdown-coordinator.js';
import type { WorkerRegistry } from './worker-registry.js';

/** A runner with releases in flight that end when the test says so (or when they are stopped). */
function fakeRunner(inFlight: number[]) {
  let idle: (() => void) | null = null;
  const stops: { id: number; kind: string; reason: string }[] = [];
  const runner = {
    get inFlightIds() {
      return [...inFlight];
    },
    whenIdle: () => (inFlight.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve))),
    stopAll: (request: { kind: string; reason: string }) => {
      for (const id of inFlight) if (!stops.some((s) => s.id === id)) stops.push({ id, ...request });
    },
    finishAll: () => {
      inFlight.length = 0;
      idle?.();
    },
  };
  return { runner, stops };
}

function coordinator(inFlight: number[], drainTimeoutMs: number) {
  const { runner, stops } = fakeRunner(inFlight);
  const states: string[] = [];
  const registry = { setState: async (state: string) => void states.push(state) };
  const config = { drainTimeoutMs, workerId: 'host:1' } as SlipwayConfig;
  const shutdown = new ShutdownCoordinator(runner, registry as unknown as WorkerRegistry, config);
  const fetcher = { close: vi.fn(async () => undefined) };
  shutdown.attachFetcher(fetcher);
  return { shutdown, runner, stops, states, fetcher };
}

describe('ShutdownCoordinator', () => {
  it('first signal: stops fetching at once and reports draining', () => {
    const { shutdown, fetcher, states } = coordinator([1], 60_000);
    expect(shutdown.phase).toBe('running');
    shutdown.beginDrain('SIGTERM');
    expect(fetcher.close).toHaveBeenCalledTimes(1);
    expect(shutdown.phase).toBe('draining');
    expect(shutdown.draining).toBe(true);
    expect(states).toEqual(['draining']);
    shutdown.beginDrain('SIGTERM'); // idempotent
    expect(fetcher.close).toHaveBeenCalledTimes(1);
  });

  it('waits for the releases in flight, interrupting nothing, when they end before the deadline', async () => {
    const { shutdown, runner, stops } = coordinator([1, 2], 60_000);
    shutdown.beginDrain('SIGTERM');
    const done = shutdown.beforeApplicationShutdown('SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    expect(shutdown.phase).toBe('draining');
    runner.finishAll();
    await done;
    expect(shutdown.phase).toBe('stopped');
    expect(stops).toEqual([]);
  });

  it('at the drain deadline: interrupts every release in flight with the reason, then stops', async () => {
    const { shutdown, runner, stops } = coordinator([1, 2], 30);
    shutdown.beginDrain('SIGTERM');
    const done = shutdown.beforeApplicationShutdown('SIGTERM');
    await vi.waitFor(() => expect(shutdown.phase).toBe('cancelling'));
    expect(stops.map((s) => [s.id, s.kind])).toEqual([
      [1, 'interrupt'],
      [2, 'interrupt'],
    ]);
    expect(stops[0]?.reason).toContain('worker host:1');
    expect(stops[0]?.reason).toContain('drain deadline');
    runner.finishAll(); // the runner writes `interrupted` once ansible has exited
    await done;
    expect(shutdown.phase).toBe('stopped');
  });

  it('a second signal jumps straight to the deadline step', async () => {
    const { shutdown, stops, runner } = coordinator([7], 600_000);
    shutdown.beginDrain('SIGTERM');
    const done = shutdown.beforeApplicationShutdown('SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    expect(stops).toEqual([]);
    shutdown.escalate('SIGTERM');
    await vi.waitFor(() => expect(stops.map((s) => s.id)).toEqual([7]));
    runner.finishAll();
    await done;
    expect(shutdown.phase).toBe('stopped');
  });

  it('a signal during start-up closes the fetcher as soon as it is attached', async () => {
    const { runner, stops } = fakeRunner([]);
    const config = { drainTimeoutMs: 60_000, workerId: 'host:1' } as SlipwayConfig;
    const registry = { setState: async () => undefined };
    const shutdown = new ShutdownCoordinator(runner, registry as unknown as WorkerRegistry, config);
    shutdown.beginDrain('SIGTERM');
    const fetcher = { close: vi.fn(async () => undefined) };
    shutdown.attachFetcher(fetcher);
    expect(fetcher.close).toHaveBeenCalledTimes(1);
    await shutdown.beforeApplicationShutdown('SIGTERM');
    expect(shutdown.phase).toBe('stopped');
    expect(stops).toEqual([]);
  });

  it('an idle worker stops at once', async () => {
    const { shutdown } = coordinator([], 600_000);
    shutdown.beginDrain('SIGTERM');
    await shutdown.beforeApplicationShutdown('SIGTERM');
    expect(shutdown.phase).toBe('stopped');
  });
});
