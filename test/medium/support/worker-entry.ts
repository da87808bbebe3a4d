import type { WorkerRegistryEntry, WorkerState } from '@slipway/queue';

/** A registry entry as a worker writes it, for tests that need workers in Redis without running one. */
export function workerEntry(id: string, state: WorkerState, releases: number[] = []): WorkerRegistryEntry {
  const now = new Date().toISOString();
  return { id, host: 'test-host', pid: 1, version: 'test', concurrency: 1, state, releases, startedAt: now, heartbeatAt: now };
}
