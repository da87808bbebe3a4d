import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Role } from './roles.js';

/**
 * How long a lookup's answer is believed. It bounds how long a token or session revoked through another
 * API process keeps working here (revocations through this process forget the entry at once).
 */
export const CREDENTIAL_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 20_000;

/** What a token or session stands for, as stored. */
export interface CredentialRecord {
  name: string;
  role: Role;
  tokenId: number | null;
  /** Sessions made from the bootstrap token only. */
  bootstrapFingerprint: string | null;
}

type Load = () => Promise<CredentialRecord | null>;

/**
 * Recent token and session lookups by hash, found and not found alike, so that repeating a credential
 * (a dashboard polling, a client retrying a bad token) costs no DB read. Concurrent lookups of one hash
 * share one load (CredentialBatches then groups the loads of different hashes into few reads).
 */
@Injectable()
export class CredentialCache {
  private readonly entries: LRUCache<string, { record: CredentialRecord | null }, Load>;

  constructor() {
    this.entries = new LRUCache<string, { record: CredentialRecord | null }, Load>({
      max: MAX_ENTRIES,
      ttl: CREDENTIAL_CACHE_TTL_MS,
      fetchMethod: async (_key, _stale, { context }) => ({ record: await context() }),
    });
  }

  /** The cached answer: a record, null (known bad), or undefined (not known, or expired). */
  peek(key: string): CredentialRecord | null | undefined {
    return this.entries.get(key)?.record;
  }

  /** The cached answer, or `load()`'s (then cached); rejects if the lookup fails (nothing is cached then). */
  async fetch(key: string, load: Load): Promise<CredentialRecord | null> {
    const entry = await this.entries.fetch(key, { context: load });
    return entry?.record ?? null;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** A revoked token: its own entry and those of the sessions made from it. */
  forgetTokenId(tokenId: number): void {
    for (const [key, entry] of this.entries.entries()) if (entry.record?.tokenId === tokenId) this.entries.delete(key);
  }
}
