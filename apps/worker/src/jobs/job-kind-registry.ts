import { Inject, Injectable } from '@nestjs/common';
import type { JobKindDefinition, JobKindReport, JobKindState } from '@slipway/queue';
import type { StopRequest } from '../release-outcome.js';
import type { JobKindHandler } from './job-kind-handler.js';

/** One registered kind: its definition (libs/queue) with the worker's handler for it. */
export interface RegisteredJobKind {
  readonly definition: JobKindDefinition<unknown>;
  readonly handler: JobKindHandler<unknown>;
}

/** The Nest token of the registered kinds (jobKindProviders builds it from the worker module's list). */
export const REGISTERED_JOB_KINDS = Symbol('REGISTERED_JOB_KINDS');

class KindEntry {
  readonly inFlight = new Set<string>();
  state: JobKindState = 'active';
  /** abandon-safely: its grace is over, the drain no longer waits for what it still has in hand. */
  abandoned = false;
  private waiters: (() => void)[] = [];

  constructor(readonly kind: RegisteredJobKind) {}

  get idle(): boolean {
    return this.inFlight.size === 0 || this.abandoned;
  }

  whenIdle(): Promise<void> {
    if (this.kind.handler.whenIdle) return this.kind.handler.whenIdle();
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notifyIfIdle(): void {
    if (!this.idle) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Every job kind this worker runs, and what each has in flight: the shutdown coordinator drains it (all
 * kinds, each by its drain policy), the worker registry and /metrics report it per kind.
 */
@Injectable()
export class JobKindRegistry {
  private readonly entries = new Map<string, KindEntry>();

  constructor(@Inject(REGISTERED_JOB_KINDS) kinds: readonly RegisteredJobKind[]) {
    for (const kind of kinds) {
      const { name, queueName } = kind.definition;
      if (this.entries.has(name)) throw new Error(`job kind "${name}" is registered twice`);
      const sameQueue = [...this.entries.values()].find((e) => e.kind.definition.queueName === queueName);
      // One consumer per queue: two kinds on one queue would take each other's jobs.
      if (sameQueue) throw new Error(`job kinds "${sameQueue.kind.definition.name}" and "${name}" share the queue "${queueName}"`);
      this.entries.set(name, new KindEntry(kind));
    }
  }

  get kinds(): RegisteredJobKind[] {
    return [...this.entries.values()].map((entry) => entry.kind);
  }

  jobStarted(kind: string, jobId: string): void {
    this.entry(kind).inFlight.add(jobId);
  }

  jobEnded(kind: string, jobId: string): void {
    const entry = this.entry(kind);
    entry.inFlight.delete(jobId);
    entry.notifyIfIdle();
  }

  setState(kind: string, state: JobKindState): void {
    this.entry(kind).state = state;
  }

  /** An abandon-safely kind whose grace is over: the drain stops waiting for it. */
  abandon(kind: string): void {
    const entry = this.entry(kind);
    entry.abandoned = true;
    entry.notifyIfIdle();
  }

  whenKindIdle(kind: string): Promise<void> {
    return this.entry(kind).whenIdle();
  }

  /** Per kind: jobs in process() here and whether its fetching is active, draining or stopped. */
  report(): Record<string, JobKindReport> {
    return Object.fromEntries([...this.entries].map(([name, entry]) => [name, { inFlight: entry.inFlight.size, state: entry.state }]));
  }

  // DrainableWork (ShutdownCoordinator): every kind at once.

  get inFlightIds(): string[] {
    return [...this.entries].flatMap(([name, entry]) => [...entry.inFlight].map((id) => `${name}:${id}`));
  }

  whenIdle(): Promise<void> {
    return Promise.all([...this.entries.values()].map((entry) => entry.whenIdle())).then(() => undefined);
  }

  stopAll(request: StopRequest): void {
    for (const entry of this.entries.values()) entry.kind.handler.stopAll?.(request);
  }

  private entry(kind: string): KindEntry {
    const entry = this.entries.get(kind);
    if (!entry) throw new Error(`job kind "${kind}" is not registered`);
    return entry;
  }
}
