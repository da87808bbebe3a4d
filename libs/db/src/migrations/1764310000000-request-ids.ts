import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11: writes that a retry after a lost COMMIT reply must find instead of repeating. A release, an
 * idempotency-key claim and an audit entry carry the id of the request that wrote them (a UUID made once per request, before the
 * first attempt); the unique key lets the retry see its own row. NULL for rows written before.
 */
export class RequestIds1764310000000 implements MigrationInterface {
  name = 'RequestIds1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // start_id: the tryStart call that moved the release to running, so its retry knows its own start
    // from a second start of the same release by the same worker (a job delivered twice).
    await queryRunner.query(
      'ALTER TABLE releases ADD COLUMN request_id CHAR(36) NULL, ADD UNIQUE KEY uq_releases_request (request_id), ADD COLUMN start_id CHAR(36) NULL',
    );
    await queryRunner.query('ALTER TABLE audit_entries ADD COLUMN request_id CHAR(36) NULL, ADD UNIQUE KEY uq_audit_request (request_id)');
    await queryRunner.query('ALTER TABLE idempotency_keys ADD COLUMN request_id CHAR(36) NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE idempotency_keys DROP COLUMN request_id');
    await queryRunner.query('ALTER TABLE audit_entries DROP KEY uq_audit_request, DROP COLUMN request_id');
    await queryRunner.query('ALTER TABLE releases DROP KEY uq_releases_request, DROP COLUMN request_id, DROP COLUMN start_id');
  }
}
