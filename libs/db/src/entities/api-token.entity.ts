import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

// The list is the API's contract (libs/contracts enums.ts); the column stores exactly those values.
import { ROLES, type Role } from '@slipway/contracts';
export { ROLES, type Role };

/**
 * An API token. Only the SHA-256 of the token is stored: tokens are 256-bit random values, so a fast hash
 * is enough (nothing to brute-force), and a leaked table does not hand out working tokens.
 * Names are unique among tokens that are not revoked (see the migration's `active_name` column).
 */
@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  role: Role;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy: string;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 200, nullable: true })
  revokedBy: string | null;
}
