import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from './api-token.entity.js';

/**
 * A dashboard sign-in. The cookie holds a random session id; only its SHA-256 is stored here. A session
 * made from a token dies with it (revoking the token ends its sessions); `tokenId` is null for sessions
 * made from SLIPWAY_BOOTSTRAP_TOKEN, which live as long as that setting keeps its value (`bootstrapFingerprint`).
 */
@Entity({ name: 'api_sessions' })
export class ApiSessionEntity {
  @PrimaryColumn({ name: 'id_hash', type: 'char', length: 64 })
  idHash: string;

  @Column({ name: 'token_id', type: 'int', unsigned: true, nullable: true })
  tokenId: number | null;

  /** Bootstrap sessions only: a slow hash of the bootstrap token they were made with. */
  @Column({ name: 'bootstrap_fingerprint', type: 'char', length: 64, nullable: true })
  bootstrapFingerprint: string | null;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  role: Role;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt: Date;
}
