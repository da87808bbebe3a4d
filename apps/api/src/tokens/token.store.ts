import { Injectable } from '@nestjs/common';
import { ApiTokenEntity, type Role, UnitOfWork } from '@slipway/db';

export class DuplicateTokenNameError extends Error {
  override name = 'DuplicateTokenNameError';
}

/** Every read and write of api_tokens; each method is one retried unit of work. */
@Injectable()
export class TokenStore {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * The token hash is unique and comes from a secret made for this request, so a row with it can only be
   * this request's own: an attempt retried after its COMMIT reply was lost finds it and returns it,
   * instead of failing on the unique name as if another token had it.
   */
  async create(input: { name: string; role: Role; tokenHash: string; createdBy: string }): Promise<ApiTokenEntity> {
    const createdAt = new Date();
    try {
      return await this.uow.run('create token', (ds) =>
        ds.transaction(async (em) => {
          const tokens = em.getRepository(ApiTokenEntity);
          return (
            (await tokens.findOneBy({ tokenHash: input.tokenHash })) ??
            (await tokens.save(tokens.create({ ...input, createdAt, revokedAt: null, revokedBy: null })))
          );
        }),
      );
    } catch (error) {
      // 1062: a live token already has this name (unique index on active_name).
      if (errno(error) === 1062) throw new DuplicateTokenNameError(`a token named "${input.name}" already exists`);
      throw error;
    }
  }

  list(): Promise<ApiTokenEntity[]> {
    return this.uow.run('list tokens', (ds) => ds.getRepository(ApiTokenEntity).find({ order: { id: 'ASC' } }));
  }

  findById(id: number): Promise<ApiTokenEntity | null> {
    return this.uow.run('read token', (ds) => ds.getRepository(ApiTokenEntity).findOneBy({ id }));
  }

  /**
   * The live tokens among `tokenHashes`, by hash: one indexed read for a whole batch of authentications
   * (CredentialBatches), no entity hydration.
   */
  findActiveByHashes(tokenHashes: readonly string[]): Promise<Map<string, { id: number; name: string; role: Role }>> {
    return this.uow.run('authenticate tokens', async (ds) => {
      const rows: { id: number; name: string; role: Role; token_hash: string }[] = await ds.query(
        'SELECT id, name, role, token_hash FROM api_tokens WHERE token_hash IN (?) AND revoked_at IS NULL',
        [tokenHashes],
      );
      return new Map(rows.map((row) => [row.token_hash, { id: Number(row.id), name: row.name, role: row.role }]));
    });
  }

  /** Conditional, so a retried revoke does not move revokedAt; false if it was already revoked. */
  async revoke(id: number, by: string): Promise<boolean> {
    const result = await this.uow.run('revoke token', (ds) =>
      ds.query('UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL', [new Date(), by, id]),
    );
    return Number((result as { affectedRows?: number }).affectedRows ?? 0) === 1;
  }
}

function errno(error: unknown): number | undefined {
  const e = error as { errno?: number; driverError?: { errno?: number } };
  return e?.errno ?? e?.driverError?.errno;
}
