import type { MigrationInterface, QueryRunner } from 'typeorm';
import { LOG_LINE_COUNTERS_TABLE, RELEASE_COUNTERS_TABLE, backfillReleaseCounters } from '../release-counters.js';

/**
 * The histogram bounds (seconds) of slipway_release_duration_seconds when this migration was written
 * (RELEASE_DURATION_BUCKETS in libs/observability; a medium test checks they still agree). A migration is
 * a snapshot: a later change of the buckets needs a migration of its own to re-bucket.
 */
export const DURATION_BOUNDS_SECONDS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * Issue 12: costs flat in history.
 * - release_counters / release_log_line_counters hold the cluster figures of /metrics, maintained by
 *   ReleaseStore in the same transaction as each status change (see libs/db release-counters.ts), and
 *   backfilled here from the rows already there.
 * - Indexes for every filter of the releases and audit lists, ordered like the keyset pagination reads
 *   them: releases by (created_at, id), audit entries by id. InnoDB appends the primary key (id) to
 *   every secondary index, so (status, created_at) is really (status, created_at, id).
 */
export class HistoryScale1764430000000 implements MigrationInterface {
  name = 'HistoryScale1764430000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ${RELEASE_COUNTERS_TABLE} (
        template VARCHAR(128) NOT NULL,
        status VARCHAR(16) NOT NULL,
        duration_le_ms INT UNSIGNED NOT NULL,
        shard TINYINT UNSIGNED NOT NULL,
        releases BIGINT UNSIGNED NOT NULL DEFAULT 0,
        duration_ms BIGINT UNSIGNED NOT NULL DEFAULT 0,
        PRIMARY KEY (template, status, duration_le_ms, shard)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query(`
      CREATE TABLE ${LOG_LINE_COUNTERS_TABLE} (
        shard TINYINT UNSIGNED NOT NULL,
        log_lines BIGINT UNSIGNED NOT NULL DEFAULT 0,
        PRIMARY KEY (shard)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    // Releases written by a process of the previous version while this runs are not counted: migrate
    // before starting the new version (npm run db:migrate), as for any migration.
    await backfillReleaseCounters((sql) => queryRunner.query(sql), DURATION_BOUNDS_SECONDS);
    await queryRunner.query(`
      ALTER TABLE releases
        ADD KEY idx_releases_created (created_at),
        ADD KEY idx_releases_status_created (status, created_at),
        ADD KEY idx_releases_template_created (template, created_at),
        ADD KEY idx_releases_requester_created (requested_by, created_at)
    `);
    await queryRunner.query(`
      ALTER TABLE audit_entries
        ADD KEY idx_audit_action (action, id),
        ADD KEY idx_audit_target_id (target_id, id)
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE audit_entries DROP KEY idx_audit_action, DROP KEY idx_audit_target_id');
    await queryRunner.query(
      'ALTER TABLE releases DROP KEY idx_releases_created, DROP KEY idx_releases_status_created, DROP KEY idx_releases_template_created, DROP KEY idx_releases_requester_created',
    );
    await queryRunner.query(`DROP TABLE ${LOG_LINE_COUNTERS_TABLE}`);
    await queryRunner.query(`DROP TABLE ${RELEASE_COUNTERS_TABLE}`);
  }
}
