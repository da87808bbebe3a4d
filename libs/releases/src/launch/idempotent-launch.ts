import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Catalog, mergeExtraVars } from '@slipway/ansible';
import type { ReleaseEntity } from '@slipway/db';
import { ReleaseStore } from '../release-store.js';
import { IdempotencyStore } from './idempotency-store.js';
import { type LaunchRefusal, invalid } from './launch-refusal.js';
import type { LaunchRequest } from './release-launcher.js';

/** A key and body seen within this window get the first release back. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A claimed key with no release after this long belongs to a request that died; it may be taken over. */
const ABANDONED_AFTER_MS = 30_000;
/** How long a concurrent duplicate waits for the first request to finish (below the 5 s request budget). */
const WAIT_FOR_FIRST_MS = 4_000;
const POLL_MS = 50;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Null when the key is well formed; else the refusal (its one error names the header, its message says it the API's way). */
export function idempotencyKeyProblem(key: string): LaunchRefusal | null {
  if (IDEMPOTENCY_KEY_PATTERN.test(key)) return null;
  return invalid(
    [{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }],
    'Idempotency-Key: must be 1-255 visible ASCII characters',
  );
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** JSON with keys sorted at every level, so {a,b} and {b,a} are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What identifies a launch request for its Idempotency-Key: the request as the create applies it, with
 * the catalog's defaults filled in (the first inventory, the template's extra var defaults, no limit or
 * tags, no check mode) and runAt as one instant, so `{"template":"hello"}` and the same request with the
 * default inventory spelled out are one request. An unknown template is taken as sent (the create
 * rejects it). A SHA-256 hex digest of the canonical JSON.
 */
export function launchRequestIdentity(catalog: Catalog, body: LaunchRequest): string {
  const template = catalog.templates[body.template];
  if (!template) return sha256Hex(canonicalJson(body));
  const runAt = body.runAt === undefined ? null : new Date(body.runAt);
  return sha256Hex(
    canonicalJson({
      template: template.name,
      inventory: body.inventory ?? template.inventories[0] ?? '',
      extraVars: mergeExtraVars(template, body.extraVars ?? {}),
      limit: body.limit ?? null,
      tags: body.tags ?? null,
      skipTags: body.skipTags ?? null,
      checkMode: body.checkMode ?? false,
      runAt: runAt && !Number.isNaN(runAt.getTime()) ? runAt.toISOString() : (body.runAt ?? null),
      // Only when sent, so the identities of requests without one (keys already stored) stay as they were.
      ...(body.ref !== undefined ? { ref: body.ref } : {}),
    }),
  );
}

/**
 * `POST /releases` with an Idempotency-Key: the key is claimed (unique insert) before the release is
 * created, and gets the release id in the transaction that inserts the release row (the job follows; if
 * it cannot be added, the row is deleted and the key with it, by the foreign key's cascade). Keys are
 * scoped to the caller (token name), so two pipelines cannot collide by choosing the same key.
 */
@Injectable()
export class IdempotentLaunch {
  constructor(
    private readonly keys: IdempotencyStore,
    private readonly store: ReleaseStore,
  ) {}

  async launch(
    scope: string,
    key: string,
    /** launchRequestIdentity of the body: the same key with another identity is a 409. */
    requestHash: string,
    /** Creates the release and attaches it to the claimed key (by id) in the same transaction. */
    create: (idempotencyKeyId: number) => Promise<{ ok: true; release: ReleaseEntity } | { ok: false; refusal: LaunchRefusal }>,
  ): Promise<{ ok: true; release: ReleaseEntity; replayed: boolean } | { ok: false; refusal: LaunchRefusal }> {
    const giveUpAt = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      const now = Date.now();
      const claim = await this.keys.claim(scope, key, requestHash);
      if (claim.claimed) {
        // Separate from the claim: a retry of the claim after a failed purge would find its own row.
        this.keys.purgeExpired(new Date(now - IDEMPOTENCY_WINDOW_MS)).catch(() => undefined);
        let created: Awaited<ReturnType<typeof create>>;
        try {
          created = await create(claim.id);
        } catch (error) {
          await this.keys.remove(claim.id).catch(() => undefined);
          throw error;
        }
        if (created.ok) return { ...created, replayed: false };
        await this.keys.remove(claim.id).catch(() => undefined);
        return created;
      }
      const { existing } = claim;
      if (!existing) continue;
      const age = now - existing.createdAt.getTime();
      if (age > IDEMPOTENCY_WINDOW_MS || (existing.releaseId === null && age > ABANDONED_AFTER_MS)) {
        await this.keys.removeStale(existing);
        continue;
      }
      if (existing.requestHash !== requestHash) {
        return { ok: false, refusal: { kind: 'conflict', message: 'Idempotency-Key: already used with a different request body within 24 h' } };
      }
      if (existing.releaseId !== null) {
        const release = await this.store.findById(existing.releaseId);
        if (release) return { ok: true, release, replayed: true };
        continue; // deleted meanwhile (its job could not be queued): the key went with it
      }
      if (Date.now() > giveUpAt) {
        return { ok: false, refusal: { kind: 'conflict', message: 'Idempotency-Key: a request with this key is still being processed; retry shortly' } };
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
