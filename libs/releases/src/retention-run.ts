import { setTimeout as sleep } from 'node:timers/promises';
import type { RetentionConfig } from '@slipway/config';
import type { ExpiredRelease, ExpiredScope, RetentionStore } from './retention-store.js';

const DAY_MS = 86_400_000;

/** One run's cutoffs and limits; a null cutoff keeps that kind of data. */
export interface RetentionPolicy {
  releaseCutoff: Date | null;
  logCutoff: Date | null;
  auditCutoff: Date | null;
  keepPerTemplate: number;
  batchSize: number;
  batchPauseMs: number;
  /** No batch starts after this long: the rest waits for the next run (see RetentionReport.complete). */
  budgetMs: number;
}

export interface RetentionReport {
  releases: number;
  logChunks: number;
  /** ansible events (issue 21), deleted with the log of their release (or before the release itself). */
  events: number;
  /** Releases whose log was deleted while their row was kept. */
  logsOfReleases: number;
  auditEntries: number;
  /** Statements that deleted or updated rows (or found nothing left): each touches at most batchSize rows. */
  batches: number;
  /** False when the run stopped on its budget or on shutdown with work possibly left. */
  complete: boolean;
  durationMs: number;
}

export function retentionEnabled(config: RetentionConfig): boolean {
  return config.releaseDays !== undefined || config.logDays !== undefined || config.auditDays !== undefined;
}

/** The policy of a run starting at `now`: cutoffs are that many whole days (of 24 h) before it. */
export function retentionPolicy(config: RetentionConfig, now: Date, budgetMs: number): RetentionPolicy {
  const cutoff = (days: number | undefined) => (days === undefined ? null : new Date(now.getTime() - days * DAY_MS));
  return {
    releaseCutoff: cutoff(config.releaseDays),
    logCutoff: cutoff(config.logDays),
    auditCutoff: cutoff(config.auditDays),
    keepPerTemplate: config.keepPerTemplate,
    batchSize: config.batchSize,
    batchPauseMs: config.batchPauseMs,
    budgetMs,
  };
}

export function deletedAnything(report: RetentionReport): boolean {
  return report.releases + report.logChunks + report.events + report.logsOfReleases + report.auditEntries > 0;
}

class BudgetSpent extends Error {}

/**
 * One retention run: whole releases first (so their logs are not deleted twice over), then logs of the
 * releases that stay, then audit entries. Each step walks its candidates oldest first with a keyset cursor
 * in batches of `batchSize`, pausing `batchPauseMs` between statements so running releases keep the DB.
 * Safe to run beside another run (every delete is conditional and counted by the rows it removed), though
 * the worker takes a lock so that only one does the work.
 */
export async function runRetention(store: RetentionStore, policy: RetentionPolicy, shouldStop: () => boolean = () => false): Promise<RetentionReport> {
  const startedAt = Date.now();
  const report: RetentionReport = { releases: 0, logChunks: 0, events: 0, logsOfReleases: 0, auditEntries: 0, batches: 0, complete: true, durationMs: 0 };
  const floors = new Map<string, number | null>();
  let paused = false;

  /** Before every statement after the first: pause, and stop if the budget is spent or the worker stops. */
  const nextBatch = async (): Promise<void> => {
    if (paused && policy.batchPauseMs > 0) await sleep(policy.batchPauseMs);
    paused = true;
    if (shouldStop() || Date.now() - startedAt >= policy.budgetMs) throw new BudgetSpent();
  };

  /** Kept by keep-last-K. Floors only rise as releases finish, so one read per template per run is safe. */
  const kept = async (release: ExpiredRelease): Promise<boolean> => {
    if (!floors.has(release.template)) floors.set(release.template, await store.keepFloor(release.template, policy.keepPerTemplate));
    const floor = floors.get(release.template) ?? null;
    return floor !== null && release.id >= floor;
  };

  const deleteChunksOf = async (ids: number[]): Promise<void> => {
    for (;;) {
      await nextBatch();
      const deleted = await store.deleteLogChunks(ids, policy.batchSize);
      report.batches++;
      report.logChunks += deleted;
      if (deleted < policy.batchSize) break;
    }
    // The events go with the log, in batches too: the FK cascade would take them uncounted, in one statement.
    for (;;) {
      await nextBatch();
      const deleted = await store.deleteEvents(ids, policy.batchSize);
      report.batches++;
      report.events += deleted;
      if (deleted < policy.batchSize) return;
    }
  };

  /** Walks the expired releases of a scope; `handle` gets each batch minus the ones keep-last-K protects. */
  const walk = async (scope: ExpiredScope, cutoff: Date, handle: (ids: number[]) => Promise<void>): Promise<void> => {
    let cursor: ExpiredRelease | null = null;
    for (;;) {
      await nextBatch();
      const batch = await store.findExpired(scope, cutoff, cursor, policy.batchSize);
      if (batch.length === 0) return;
      cursor = batch[batch.length - 1] ?? null;
      const victims: number[] = [];
      for (const release of batch) if (!(await kept(release))) victims.push(release.id);
      if (victims.length > 0) await handle(victims);
      if (batch.length < policy.batchSize) return;
    }
  };

  try {
    const { releaseCutoff, logCutoff, auditCutoff } = policy;
    if (releaseCutoff) {
      await walk('releases', releaseCutoff, async (ids) => {
        await deleteChunksOf(ids);
        await nextBatch();
        report.releases += await store.deleteReleases(ids, releaseCutoff);
        report.batches++;
      });
    }
    if (logCutoff) {
      await walk('logs', logCutoff, async (ids) => {
        await deleteChunksOf(ids);
        await nextBatch();
        report.logsOfReleases += await store.markLogDeleted(ids, logCutoff, new Date());
        report.batches++;
      });
    }
    if (auditCutoff) {
      for (;;) {
        await nextBatch();
        const deleted = await store.deleteAuditEntries(auditCutoff, policy.batchSize);
        report.batches++;
        report.auditEntries += deleted;
        if (deleted < policy.batchSize) break;
      }
    }
  } catch (error) {
    if (!(error instanceof BudgetSpent)) throw error;
    report.complete = false;
  }
  report.durationMs = Date.now() - startedAt;
  return report;
}
