import { Injectable } from '@nestjs/common';
import { ApiSessionEntity, type Role, UnitOfWork } from '@slipway/db';
import { SESSION_TTL_MS } from './session-cookie.js';

export interface StoredSession {
  name: string;
  role: Role;
  tokenId: number | null;
  /** Bootstrap sessions only (tokenId null): see Authenticator.bootstrapFingerprint. */
  bootstrapFingerprint: string | null;
}

/** Dashboard sessions, stored by the SHA-256 of their id. */
@Injectable()
export class SessionStore {
  constructor(private readonly uow: UnitOfWork) {}

  async create(idHash: string, session: StoredSession): Promise<void> {
    const now = new Date();
    await this.uow.run('create session', async (ds) => {
      // Expired sessions go whenever a new one is made: no timer needed, and the table stays small.
      await ds.query('DELETE FROM api_sessions WHERE expires_at < ? LIMIT 1000', [now]);
      await ds.query(
        `INSERT INTO api_sessions (id_hash, token_id, bootstrap_fingerprint, name, role, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id_hash = id_hash`,
        [idHash, session.tokenId, session.bootstrapFingerprint, session.name, session.role, now, new Date(now.getTime() + SESSION_TTL_MS)],
      );
    });
  }

  /** The live sessions among `idHashes` (not expired, their token if any not revoked), by hash: one read per batch. */
  findMany(idHashes: readonly string[]): Promise<Map<string, StoredSession>> {
    return this.uow.run('read sessions', async (ds) => {
      const rows: { id_hash: string; name: string; role: Role; token_id: number | null; bootstrap_fingerprint: string | null }[] = await ds.query(
        `SELECT s.id_hash, s.name, s.role, s.token_id, s.bootstrap_fingerprint FROM api_sessions s LEFT JOIN api_tokens t ON t.id = s.token_id
          WHERE s.id_hash IN (?) AND s.expires_at > ? AND (s.token_id IS NULL OR t.revoked_at IS NULL)`,
        [idHashes, new Date()],
      );
      return new Map(
        rows.map((row) => [
          row.id_hash,
          {
            name: row.name,
            role: row.role,
            tokenId: row.token_id === null ? null : Number(row.token_id),
            bootstrapFingerprint: row.bootstrap_fingerprint,
          },
        ]),
      );
    });
  }

  async delete(idHash: string): Promise<void> {
    await this.uow.run('delete session', (ds) => ds.getRepository(ApiSessionEntity).delete({ idHash }));
  }
}
