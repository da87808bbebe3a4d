import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 24, the DNS records service.
 * - `dns_zones.version` goes up by one in the transaction of every change to the zone or its records; a
 *   render installs what the DB held at one version and records it as `rendered_version`, so "is every
 *   committed change served" is `rendered_version = version`. `dirty_since` is when the first change not
 *   yet rendered was made (renders coalesce, but never wait past DNS_RENDER_MAX_WAIT_MS of it).
 * - `render_owner` / `render_lease_until`: one render of a zone at a time across workers (a lease, so a
 *   dead worker's render is taken over once it lapses).
 * - `dns_records.version` is the record's own, its ETag. `value_hash` makes "this value once per name
 *   and type" a unique key (TXT values are too long to index).
 * - `dns_renders`: the zone's history of renders (serial, version, outcome, checker message).
 */
export class Dns1764530000000 implements MigrationInterface {
  name = 'Dns1764530000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dns_zones (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(253) NOT NULL,
        primary_ns VARCHAR(254) NOT NULL,
        hostmaster VARCHAR(254) NOT NULL,
        version BIGINT UNSIGNED NOT NULL DEFAULT 1,
        created_at DATETIME(3) NOT NULL,
        created_by VARCHAR(200) NOT NULL,
        dirty_since DATETIME(3) NULL,
        render_status VARCHAR(16) NOT NULL DEFAULT 'pending',
        render_message TEXT NULL,
        rendered_version BIGINT UNSIGNED NULL,
        rendered_at DATETIME(3) NULL,
        serial INT UNSIGNED NULL,
        render_owner VARCHAR(160) NULL,
        render_lease_until DATETIME(3) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_dns_zones_name (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin
    `);
    await queryRunner.query(`
      CREATE TABLE dns_records (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        zone_id INT UNSIGNED NOT NULL,
        name VARCHAR(253) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        type VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        ttl INT UNSIGNED NOT NULL,
        value TEXT NOT NULL,
        value_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        version INT UNSIGNED NOT NULL DEFAULT 1,
        updated_at DATETIME(3) NOT NULL,
        updated_by VARCHAR(200) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_dns_records_value (zone_id, name, type, value_hash),
        CONSTRAINT fk_dns_records_zone FOREIGN KEY (zone_id) REFERENCES dns_zones (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
    await queryRunner.query(`
      CREATE TABLE dns_renders (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        zone_id INT UNSIGNED NOT NULL,
        zone_version BIGINT UNSIGNED NOT NULL,
        serial INT UNSIGNED NULL,
        status VARCHAR(16) NOT NULL,
        message TEXT NULL,
        at DATETIME(3) NOT NULL,
        worker VARCHAR(160) NOT NULL,
        PRIMARY KEY (id),
        KEY idx_dns_renders_zone (zone_id, id),
        CONSTRAINT fk_dns_renders_zone FOREIGN KEY (zone_id) REFERENCES dns_zones (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE dns_renders');
    await queryRunner.query('DROP TABLE dns_records');
    await queryRunner.query('DROP TABLE dns_zones');
  }
}
