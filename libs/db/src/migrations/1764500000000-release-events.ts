import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21 "what changed": ansible's events of each release (the callback plugin's, masked), one row an
 * event, keyed by the plugin's sequence number so a batch stored twice (a retry after a lost connection, a
 * worker killed between commit and reply) lands on the same key and is ignored.
 * - host / task_id / status are copied out of the event for the per-host and per-task views and filters.
 * - releases.events_next_seq: 1 + the last sequence stored without a gap before it (events are stored in
 *   order): where an incomplete release's events stop. events_complete: the final stats are stored.
 *   events_not_kept: events the plugin or the worker could not keep (bounded buffers), never silent.
 */
export class ReleaseEvents1764500000000 implements MigrationInterface {
  name = 'ReleaseEvents1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE release_events (
        release_id INT UNSIGNED NOT NULL,
        seq INT UNSIGNED NOT NULL,
        type VARCHAR(16) NOT NULL,
        emitted_at DATETIME(3) NOT NULL,
        stored_at DATETIME(3) NOT NULL,
        task_id VARCHAR(64) NULL,
        task VARCHAR(512) NULL,
        host VARCHAR(255) NULL,
        status VARCHAR(16) NULL,
        changed TINYINT(1) NOT NULL DEFAULT 0,
        duration_ms INT UNSIGNED NULL,
        data MEDIUMTEXT NOT NULL,
        PRIMARY KEY (release_id, seq),
        KEY idx_events_host (release_id, host, seq),
        KEY idx_events_task (release_id, task_id, seq),
        KEY idx_events_status (release_id, status, seq),
        CONSTRAINT fk_events_release FOREIGN KEY (release_id) REFERENCES releases (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query(
      `ALTER TABLE releases
         ADD COLUMN events_stored INT UNSIGNED NOT NULL DEFAULT 0,
         ADD COLUMN events_next_seq INT UNSIGNED NOT NULL DEFAULT 1,
         ADD COLUMN events_complete TINYINT(1) NOT NULL DEFAULT 0,
         ADD COLUMN events_not_kept INT UNSIGNED NOT NULL DEFAULT 0`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE releases DROP COLUMN events_stored, DROP COLUMN events_next_seq, DROP COLUMN events_complete, DROP COLUMN events_not_kept');
    await queryRunner.query('DROP TABLE release_events');
  }
}
