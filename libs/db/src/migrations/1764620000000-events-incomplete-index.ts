import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21 item 8: "releases with incomplete events", cluster-wide on the API's /metrics at every scrape
 * (countReleasesWithIncompleteEvents). The index covers the query: the releases without complete events
 * that stored or missed any (events_next_seq > 1, or seq 1 missing with later ones stored) are two ranges
 * of it, so a scrape reads the incomplete and running releases, never the whole history.
 */
export class EventsIncompleteIndex1764620000000 implements MigrationInterface {
  name = 'EventsIncompleteIndex1764620000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX idx_releases_events_incomplete ON releases (events_complete, events_next_seq, events_stored, status)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX idx_releases_events_incomplete ON releases');
  }
}
