import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 22, schedules and freeze windows (README "Schedules", "Freeze windows").
 * - `schedules`: what a tick launches (template, inventory, vars; never secret values), its cron and IANA
 *   zone, and `cursor_at`: every tick at or before it has been dealt with (launched, skipped, missed or
 *   found invalid). The ticker only moves it forward (`UPDATE … WHERE cursor_at < ?`).
 * - `schedule_ticks`: one row per tick dealt with; the unique (schedule_id, tick_at) key is the claim,
 *   so two tickers (two workers, clocks apart) agree on one owner per tick. `launching` is a claim whose
 *   launch has not been recorded yet (its owner may have died): the next pass launches it again with
 *   the same idempotency key, which answers the release already made, if any.
 * - `freeze_windows`: one-off (starts_at, ends_at) or recurring (cron start + duration in a zone), for
 *   every launch or for the listed templates / inventories (NULL: all).
 * - `releases.freeze_override`: the window an admin overrode to launch the release, the reason and who.
 */
export class SchedulesFreezes1764510000000 implements MigrationInterface {
  name = 'SchedulesFreezes1764510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE schedules (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(120) NOT NULL,
        template VARCHAR(200) NOT NULL,
        inventory VARCHAR(200) NOT NULL,
        extra_vars JSON NOT NULL,
        cron VARCHAR(200) NOT NULL,
        time_zone VARCHAR(64) NOT NULL,
        state VARCHAR(16) NOT NULL,
        paused_reason VARCHAR(2000) NULL,
        grace_ms INT UNSIGNED NOT NULL,
        cursor_at DATETIME(3) NOT NULL,
        created_by VARCHAR(200) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_schedules_name (name),
        KEY idx_schedules_state (state)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query(`
      CREATE TABLE schedule_ticks (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        schedule_id INT UNSIGNED NOT NULL,
        tick_at DATETIME(3) NOT NULL,
        outcome VARCHAR(16) NOT NULL,
        release_id INT UNSIGNED NULL,
        detail VARCHAR(2000) NULL,
        claimed_by VARCHAR(200) NOT NULL,
        recorded_at DATETIME(3) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_schedule_ticks (schedule_id, tick_at),
        KEY idx_schedule_ticks_outcome (outcome, schedule_id),
        CONSTRAINT fk_schedule_ticks_schedule FOREIGN KEY (schedule_id) REFERENCES schedules (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query(`
      CREATE TABLE freeze_windows (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(120) NOT NULL,
        starts_at DATETIME(3) NULL,
        ends_at DATETIME(3) NULL,
        cron VARCHAR(200) NULL,
        duration_minutes INT UNSIGNED NULL,
        time_zone VARCHAR(64) NULL,
        templates JSON NULL,
        inventories JSON NULL,
        created_by VARCHAR(200) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_freeze_windows_name (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query('ALTER TABLE releases ADD COLUMN freeze_override JSON NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE releases DROP COLUMN freeze_override');
    await queryRunner.query('DROP TABLE freeze_windows');
    await queryRunner.query('DROP TABLE schedule_ticks');
    await queryRunner.query('DROP TABLE schedules');
  }
}
