import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 24, the reload step as a catalog release: `dns_zones.reload_release` is the zone's setting (template,
 * inventory, fixed vars; NULL: the argv reload step DNS_RELOAD_COMMAND), `reload_release_id` the release
 * its newest installed file waits on (render_status 'reload-pending' until that release ends), and
 * `dns_renders.release_id` which release a render launched or joined.
 */
export class DnsReloadRelease1764650000000 implements MigrationInterface {
  name = 'DnsReloadRelease1764650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE dns_zones ADD COLUMN reload_release JSON NULL, ADD COLUMN reload_release_id INT UNSIGNED NULL');
    await queryRunner.query('ALTER TABLE dns_renders ADD COLUMN release_id INT UNSIGNED NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE dns_renders DROP COLUMN release_id');
    await queryRunner.query('ALTER TABLE dns_zones DROP COLUMN reload_release, DROP COLUMN reload_release_id');
  }
}
