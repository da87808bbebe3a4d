import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 24: `dns_zones.failed_version` is the last version named-checkzone refused, so the housekeeping's
 * re-queue of lost render jobs (apps/worker dns-lost-renders.ts) does not render a refused version again
 * and again; the zone's next change renders it.
 */
export class DnsFailedVersion1764530000001 implements MigrationInterface {
  name = 'DnsFailedVersion1764530000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE dns_zones ADD COLUMN failed_version BIGINT UNSIGNED NULL AFTER serial');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE dns_zones DROP COLUMN failed_version');
  }
}
