import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 22 item 2, approvals (README "Approvals").
 * - `releases.status` widens to hold `awaiting-approval` (17 characters).
 * - `releases.approval`: what the template required when the release was requested (approvers,
 *   allowSelfApproval, expiresAt, preview) and every decision (who, when, approve/reject, comment),
 *   written under the row's lock, so two approvers at once queue one run.
 * - `releases.approval_expires_at`: when an unanswered request expires (the expiry pass reads it).
 * - `releases.preview_of`: on a check-mode preview, the release awaiting approval it previews.
 */
export class Approvals1764610000000 implements MigrationInterface {
  name = 'Approvals1764610000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE releases
        MODIFY status VARCHAR(24) NOT NULL,
        ADD COLUMN approval JSON NULL,
        ADD COLUMN approval_expires_at DATETIME(3) NULL,
        ADD COLUMN preview_of INT UNSIGNED NULL,
        ADD KEY idx_releases_preview_of (preview_of)
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE releases
        DROP KEY idx_releases_preview_of,
        DROP COLUMN preview_of,
        DROP COLUMN approval_expires_at,
        DROP COLUMN approval,
        MODIFY status VARCHAR(16) NOT NULL
    `);
  }
}
