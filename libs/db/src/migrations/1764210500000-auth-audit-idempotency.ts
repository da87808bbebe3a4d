import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 5: API tokens, dashboard sessions, the audit trail and idempotency keys of release launches. */
export class AuthAuditIdempotency1764210500000 implements MigrationInterface {
  name = 'AuthAuditIdempotency1764210500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // active_name is NULL once revoked, so a revoked token's name can be given to a new token while two
    // live tokens can never share one (requestedBy and the audit trail identify callers by name).
    await queryRunner.query(`
      CREATE TABLE api_tokens (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(100) NOT NULL,
        role VARCHAR(16) NOT NULL,
        token_hash CHAR(64) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        created_by VARCHAR(200) NOT NULL,
        revoked_at DATETIME(3) NULL,
        revoked_by VARCHAR(200) NULL,
        active_name VARCHAR(100) AS (IF(revoked_at IS NULL, name, NULL)) STORED,
        PRIMARY KEY (id),
        UNIQUE KEY uq_api_tokens_hash (token_hash),
        UNIQUE KEY uq_api_tokens_active_name (active_name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query(`
      CREATE TABLE api_sessions (
        id_hash CHAR(64) NOT NULL,
        token_id INT UNSIGNED NULL,
        name VARCHAR(100) NOT NULL,
        role VARCHAR(16) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        PRIMARY KEY (id_hash),
        KEY idx_api_sessions_expiry (expires_at),
        CONSTRAINT fk_sessions_token FOREIGN KEY (token_id) REFERENCES api_tokens (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query(`
      CREATE TABLE audit_entries (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        at DATETIME(3) NOT NULL,
        actor VARCHAR(200) NOT NULL,
        action VARCHAR(32) NOT NULL,
        target_type VARCHAR(32) NOT NULL,
        target_id INT UNSIGNED NOT NULL,
        details LONGTEXT NOT NULL CHECK (JSON_VALID(details)),
        PRIMARY KEY (id),
        KEY idx_audit_target (target_type, target_id, id),
        KEY idx_audit_actor (actor, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    // The release FK cascades: a release deleted because its job could not be queued takes its key along.
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        scope VARCHAR(200) NOT NULL,
        idem_key VARCHAR(255) NOT NULL,
        request_hash CHAR(64) NOT NULL,
        release_id INT UNSIGNED NULL,
        created_at DATETIME(3) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_idempotency_scope_key (scope, idem_key),
        KEY idx_idempotency_created (created_at),
        CONSTRAINT fk_idempotency_release FOREIGN KEY (release_id) REFERENCES releases (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE idempotency_keys');
    await queryRunner.query('DROP TABLE audit_entries');
    await queryRunner.query('DROP TABLE api_sessions');
    await queryRunner.query('DROP TABLE api_tokens');
  }
}
