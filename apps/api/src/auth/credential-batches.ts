import { Injectable } from '@nestjs/common';
import { TokenStore } from '../tokens/token.store.js';
import type { CredentialRecord } from './credential-cache.js';
import { SerialBatcher } from './serial-batcher.js';
import { SessionStore } from './session.store.js';

/**
 * The DB reads authentication makes for tokens and sessions the CredentialCache does not know: batched,
 * one read in flight per kind (SerialBatcher), so authentication uses at most two pooled connections
 * however many requests arrive at once.
 */
@Injectable()
export class CredentialBatches {
  private readonly tokens: SerialBatcher<string, CredentialRecord | null>;
  private readonly sessions: SerialBatcher<string, CredentialRecord | null>;

  constructor(tokenStore: TokenStore, sessionStore: SessionStore) {
    this.tokens = new SerialBatcher(async (hashes) => {
      const found = await tokenStore.findActiveByHashes(hashes);
      return new Map(
        [...found].map(([hash, row]) => [hash, { name: row.name, role: row.role, tokenId: row.id, bootstrapFingerprint: null }]),
      );
    }, null);
    this.sessions = new SerialBatcher((hashes) => sessionStore.findMany(hashes), null);
  }

  /** The live token with this SHA-256, or null. */
  token(tokenHash: string): Promise<CredentialRecord | null> {
    return this.tokens.load(tokenHash);
  }

  /** The live session with this id hash, or null. */
  session(idHash: string): Promise<CredentialRecord | null> {
    return this.sessions.load(idHash);
  }
}
