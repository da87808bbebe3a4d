import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 23, webhooks. `webhook_endpoints` holds each receiver with its signing secret sealed
 * (libs/releases webhook-secret.ts, never in clear) and, during a rotation, the previous secret until
 * `previous_secret_until`. `webhook_deliveries` is the outbox: one row per event and endpoint, written in
 * the transaction of the release status change it reports; `message_id` is the Standard Webhooks
 * `webhook-id`, the same on every attempt. A delivery is due when `state = 'pending'` and
 * `next_attempt_at` has passed; a sender claims it by moving `next_attempt_at` past its lease and
 * setting `claim_token`, so a sender that dies mid-delivery leaves it due again once the lease lapses.
 * `webhook_attempts` records every attempt (status code, latency, error, the first bytes of the answer).
 */
export class Webhooks1764520000000 implements MigrationInterface {
  name = 'Webhooks1764520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        url VARCHAR(2048) NOT NULL,
        events JSON NOT NULL,
        templates JSON NULL,
        inventories JSON NULL,
        format VARCHAR(16) NOT NULL DEFAULT 'standard',
        secret_sealed VARCHAR(512) NOT NULL,
        previous_secret_sealed VARCHAR(512) NULL,
        previous_secret_until DATETIME(3) NULL,
        enabled TINYINT(1) NOT NULL DEFAULT 1,
        disabled_reason VARCHAR(500) NULL,
        created_at DATETIME(3) NOT NULL,
        created_by VARCHAR(100) NOT NULL,
        PRIMARY KEY (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        endpoint_id INT UNSIGNED NOT NULL,
        message_id VARCHAR(64) NOT NULL,
        event_type VARCHAR(64) NOT NULL,
        release_id INT UNSIGNED NULL,
        payload LONGTEXT NOT NULL,
        state VARCHAR(16) NOT NULL,
        attempts INT UNSIGNED NOT NULL DEFAULT 0,
        next_attempt_at DATETIME(3) NOT NULL,
        claim_token CHAR(36) NULL,
        last_error VARCHAR(500) NULL,
        created_at DATETIME(3) NOT NULL,
        finished_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_webhook_message (message_id, endpoint_id),
        KEY idx_webhook_due (state, next_attempt_at),
        KEY idx_webhook_endpoint (endpoint_id, id),
        CONSTRAINT fk_webhook_delivery_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query(`
      CREATE TABLE webhook_attempts (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        delivery_id BIGINT UNSIGNED NOT NULL,
        attempt INT UNSIGNED NOT NULL,
        at DATETIME(3) NOT NULL,
        status_code INT NULL,
        latency_ms INT UNSIGNED NOT NULL,
        error VARCHAR(500) NULL,
        response_head VARCHAR(1024) NULL,
        PRIMARY KEY (id),
        KEY idx_webhook_attempts_delivery (delivery_id, id),
        CONSTRAINT fk_webhook_attempt_delivery FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE webhook_attempts');
    await queryRunner.query('DROP TABLE webhook_deliveries');
    await queryRunner.query('DROP TABLE webhook_endpoints');
  }
}
