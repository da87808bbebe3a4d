import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { RetryLaterException } from '../auth/retry-later.js';
import type { Principal } from '../auth/principal.js';

/** What a refused client is told to wait before trying again: long enough for a stream of its own to end. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Open event streams per token in this API process (SSE_MAX_STREAMS_PER_TOKEN). A session counts against
 * the token it was made from, so a dashboard and a CI job sharing one token share its streams. The count
 * is per process (an API restart cannot leave stale counts behind); behind a balancer over P processes a
 * token may hold up to P times the limit.
 */
@Injectable()
export class StreamSlots {
  private readonly open = new Map<string, number>();

  constructor(@Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig) {}

  /** Takes a slot for `principal` or refuses with 429; the returned function frees it (once). */
  take(principal: Principal): () => void {
    const key = principal.tokenId !== null ? `token ${principal.tokenId}` : principal.name;
    const limit = this.config.eventStreams.maxPerToken;
    const current = this.open.get(key) ?? 0;
    if (current >= limit) {
      throw new RetryLaterException(
        HttpStatus.TOO_MANY_REQUESTS,
        `too many open event streams for token "${principal.name}": the limit is ${limit} per API process (SSE_MAX_STREAMS_PER_TOKEN); close one first`,
        RETRY_AFTER_SECONDS,
      );
    }
    this.open.set(key, current + 1);
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }

  openFor(principal: Principal): number {
    return this.open.get(principal.tokenId !== null ? `token ${principal.tokenId}` : principal.name) ?? 0;
  }
}
