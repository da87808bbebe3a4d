import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13: a release of a git project records the commit it runs (resolved from its ref when it was
 * created) and that ref's name. NULL for releases of a local-directory project and those from before.
 */
export class ReleaseCommit1764400000000 implements MigrationInterface {
  name = 'ReleaseCommit1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE releases ADD COLUMN commit_sha VARCHAR(64) NULL, ADD COLUMN git_ref VARCHAR(255) NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE releases DROP COLUMN commit_sha, DROP COLUMN git_ref');
  }
}
