import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13 "what ran": the argv ansible-playbook ran with (secrets masked), ansible-core's version on the
 * worker that ran it, and the digest of the catalog entry the release was created from. Null for
 * releases from before, and until the worker has started ansible-playbook.
 */
export class WhatRan1764410000000 implements MigrationInterface {
  name = 'WhatRan1764410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE releases
         ADD COLUMN argv JSON NULL,
         ADD COLUMN ansible_version VARCHAR(64) NULL,
         ADD COLUMN catalog_digest VARCHAR(80) NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE releases DROP COLUMN argv, DROP COLUMN ansible_version, DROP COLUMN catalog_digest');
  }
}
