import { Counter, type Registry } from 'prom-client';

/** What retention has deleted in the whole cluster, by kind (releases, log_chunks, release_events, audit_entries). */
export interface RetentionTotalsSource {
  /** Read once per scrape; throws when the database does not answer (the series are then left out). */
  read(): Promise<Record<string, number>>;
}

/**
 * slipway_retention_deleted_total{kind}: rows retention deleted, from the `retention_totals` table that
 * each delete updates in its own transaction, so every API process reports the same monotonic figure and
 * restarts lose nothing. Release counters (created/finished) are not decremented by retention.
 */
export function registerRetentionMetrics(registry: Registry, source: RetentionTotalsSource, onError: (error: Error) => void): void {
  new Counter({
    name: 'slipway_retention_deleted_total',
    help: 'Rows deleted by retention (README "Retention"), by kind: releases, log_chunks, release_events, audit_entries',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const [kind, deleted] of Object.entries(await source.read())) this.inc({ kind }, deleted);
      } catch (error) {
        onError(error as Error);
      }
    },
  });
}
