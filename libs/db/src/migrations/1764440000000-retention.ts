import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12, retention (README "Retention"). The housekeeping deletes in small batches found through
 * these indexes, so a run costs the rows it deletes, never a scan of the whole history:
 * - `idx_releases_finished (finished_at)`: finished releases older than the cutoff, oldest first (the
 *   implicit primary key after finished_at is the keyset cursor). Queued and running releases have no
 *   finished_at, so they are never in the range.
 * - `idx_releases_log_retention (log_deleted_at, finished_at)`: the same, among releases whose log is
 *   still there, so releases whose log is already gone are not read again at every run.
 * - `idx_audit_at (at)`: audit entries older than their own cutoff.
 * `log_deleted_at` records when retention removed a release's log (its row stays).
 * `retention_totals` counts what retention deleted, updated in the same transaction as each delete, so
 * /metrics reports the same totals from any API process and across restarts.
 */
export class Retention1764440000000 implements MigrationInterface {
  name = 'Retention1764440000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE releases ADD COLUMN log_deleted_at DATETIME(3) NULL,
         ADD KEY idx_releases_finished (finished_at),
         ADD KEY idx_releases_log_retention (log_deleted_at, finished_at)`,
    );
    await queryRunner.query('ALTER TABLE audit_entries ADD KEY idx_audit_at (at)');
    await queryRunner.query(`
      CREATE TABLE retention_totals (
        kind VARCHAR(32) NOT NULL,
        deleted BIGINT UNSIGNED NOT NULL DEFAULT 0,
        PRIMARY KEY (kind)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE retention_totals');
    await queryRunner.query('ALTER TABLE audit_entries DROP KEY idx_audit_at');
    await queryRunner.query('ALTER TABLE releases DROP KEY idx_releases_log_retention, DROP KEY idx_releases_finished, DROP COLUMN log_deleted_at');
  }
}
