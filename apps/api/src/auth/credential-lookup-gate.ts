import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import pLimit, { type LimitFunction } from 'p-limit';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { RetryLaterException } from './retry-later.js';

/** Lookups waiting for a slot beyond this are refused at once (503), so a flood cannot pile up memory. */
const MAX_WAITING = 5_000;
/** A lookup that waited this long for a slot is refused instead of run: its client has likely given up. */
const MAX_WAIT_MS = 10_000;

/**
 * Bounds the DB reads that authentication makes (tokens and sessions not in the CredentialCache), so a
 * flood of unknown credentials queues here, in memory, instead of filling mysql2's queue (which answered
 * 500) and starving every other request of connections. As many at once as the pool keeps idle (DB_MAX_IDLE,
 * at most half the pool): a flood then runs on connections that are already open, and never makes the pool
 * open new ones while the event loop is busy with the flood (their connect timeout would fire).
 */
@Injectable()
export class CredentialLookupGate {
  private readonly limit: LimitFunction;

  constructor(@Inject(SLIPWAY_CONFIG) config: SlipwayConfig) {
    const { poolSize, maxIdle } = config.database;
    this.limit = pLimit(Math.max(1, Math.min(Math.floor(poolSize / 2), maxIdle)));
  }

  async run<T>(lookup: () => Promise<T>): Promise<T> {
    if (this.limit.pendingCount >= MAX_WAITING) throw overloaded();
    const queuedAt = Date.now();
    return this.limit(() => {
      if (Date.now() - queuedAt > MAX_WAIT_MS) throw overloaded();
      return lookup();
    });
  }
}

function overloaded(): RetryLaterException {
  return new RetryLaterException(HttpStatus.SERVICE_UNAVAILABLE, 'too many credential checks at once; try again shortly', 1);
}
