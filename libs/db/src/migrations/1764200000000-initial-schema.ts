import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764200000000 implements MigrationInterface {
  name = 'InitialSchema1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE releases (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        template VARCHAR(128) NOT NULL,
        inventory VARCHAR(128) NOT NULL,
        extra_vars LONGTEXT NOT NULL CHECK (JSON_VALID(extra_vars)),
        host_limit VARCHAR(1024) NULL,
        tags LONGTEXT NULL CHECK (tags IS NULL OR JSON_VALID(tags)),
        skip_tags LONGTEXT NULL CHECK (skip_tags IS NULL OR JSON_VALID(skip_tags)),
        check_mode TINYINT(1) NOT NULL DEFAULT 0,
        lock_key VARCHAR(300) NOT NULL,
        status VARCHAR(16) NOT NULL,
        exit_code INT NULL,
        reason TEXT NULL,
        waiting_reason VARCHAR(300) NULL,
        worker_id VARCHAR(200) NULL,
        requested_by VARCHAR(200) NOT NULL,
        rerun_of INT UNSIGNED NULL,
        cancel_requested_by VARCHAR(200) NULL,
        log_lines INT UNSIGNED NOT NULL DEFAULT 0,
        recap LONGTEXT NULL CHECK (recap IS NULL OR JSON_VALID(recap)),
        created_at DATETIME(3) NOT NULL,
        run_at DATETIME(3) NULL,
        started_at DATETIME(3) NULL,
        finished_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        KEY idx_releases_status (status, id),
        KEY idx_releases_template (template, id),
        KEY idx_releases_lock (lock_key, status, id),
        KEY idx_releases_worker (worker_id, status)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query(`
      CREATE TABLE release_log_chunks (
        release_id INT UNSIGNED NOT NULL,
        first_seq INT UNSIGNED NOT NULL,
        last_seq INT UNSIGNED NOT NULL,
        content MEDIUMTEXT NOT NULL,
        PRIMARY KEY (release_id, first_seq),
        KEY idx_chunks_last (release_id, last_seq),
        CONSTRAINT fk_chunks_release FOREIGN KEY (release_id) REFERENCES releases (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE release_log_chunks');
    await queryRunner.query('DROP TABLE releases');
  }
}
