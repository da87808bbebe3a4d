import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10: a session made from SLIPWAY_BOOTSTRAP_TOKEN records a fingerprint of that token (scrypt, see
 * apps/api/src/auth/secrets.ts), so it ends when the token changes. Bootstrap sessions made before this
 * have none and end at once (sign in again).
 */
export class BootstrapSessionFingerprint1764320000000 implements MigrationInterface {
  name = 'BootstrapSessionFingerprint1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE api_sessions ADD COLUMN bootstrap_fingerprint CHAR(64) NULL AFTER token_id');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE api_sessions DROP COLUMN bootstrap_fingerprint');
  }
}
