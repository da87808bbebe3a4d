import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10: each release records which of its vars are secret (so a later catalog never unmasks it) and
 * keeps their values only encrypted (AES-256-GCM, SLIPWAY_SECRET_KEY). `secret_vars` is NULL for releases
 * created before this migration: they are masked with the catalog's list, as before.
 */
export class ReleaseSecrets1764300000000 implements MigrationInterface {
  name = 'ReleaseSecrets1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE releases ADD COLUMN secret_vars JSON NULL, ADD COLUMN secret_values TEXT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE releases DROP COLUMN secret_values, DROP COLUMN secret_vars`);
  }
}
