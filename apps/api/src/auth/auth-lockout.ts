import { HttpStatus, Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { createRedis } from '@slipway/queue';
import { RetryLaterException } from './retry-later.js';

/** What is counted per client address: bearer tokens and session cookies, or sign-ins (a stricter limit). */
export type AttemptKind = 'credential' | 'signIn';

const REFUSAL: Record<AttemptKind, (seconds: number) => string> = {
  credential: (s) => `too many failed authentications from this address; try again in ${s} s`,
  signIn: (s) => `too many failed sign-ins from this address; try again in ${s} s`,
};

/**
 * Lockout per client address after repeated failed authentications (rate-limiter-flexible). Each attempt
 * that needs a lookup takes a point before the lookup (so a burst cannot run ahead of the count) and gets it
 * back when the credential turns out good; past the limit within the window the address is refused with 429
 * and Retry-After for the lockout. Counts live in Redis, shared by every API process; while Redis is away
 * each process counts in memory instead.
 */
@Injectable()
export class AuthLockout implements OnModuleInit, OnApplicationShutdown {
  private redis!: Redis;
  private limiters!: Record<AttemptKind, RateLimiterRedis>;

  constructor(@Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig) {}

  onModuleInit(): void {
    this.redis = createRedis(this.config.redisUrl, { failFast: true, name: 'slipway-api-auth' });
    this.redis.on('error', () => undefined); // reconnects by itself; the in-memory limiter covers meanwhile
    const { maxFailures, signInMaxFailures } = this.config.authLimits;
    this.limiters = { credential: this.limiter('credential', maxFailures), signIn: this.limiter('signIn', signInMaxFailures) };
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  /** Takes a point for an attempt from `address`, or throws 429 while the address is locked out. */
  async admit(kind: AttemptKind, address: string): Promise<void> {
    try {
      await this.limiters[kind].consume(address);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new RetryLaterException(HttpStatus.TOO_MANY_REQUESTS, REFUSAL[kind](seconds), seconds);
    }
  }

  /** The attempt was good: it does not count. */
  async succeeded(kind: AttemptKind, address: string): Promise<void> {
    await this.limiters[kind].reward(address).catch(() => undefined);
  }

  private limiter(kind: AttemptKind, points: number): RateLimiterRedis {
    const { failureWindowMs, lockoutMs } = this.config.authLimits;
    const options = {
      keyPrefix: `${this.config.queuePrefix}:lockout:${kind}`,
      points,
      duration: Math.ceil(failureWindowMs / 1000),
      blockDuration: Math.ceil(lockoutMs / 1000),
    };
    return new RateLimiterRedis({
      ...options,
      storeClient: this.redis,
      rejectIfRedisNotReady: true,
      // A locked-out address flooding requests is answered from memory, without a Redis round trip each.
      inMemoryBlockOnConsumed: points + 1,
      inMemoryBlockDuration: options.blockDuration,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }
}
