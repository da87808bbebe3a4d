import { HttpStatus, Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
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

interface Gate {
  inFlight: number;
  waiting: (() => void)[];
}

/**
 * Lockout per client address after repeated failed authentications (rate-limiter-flexible). Only a failed
 * attempt takes a point, after its lookup, so good requests never lock an address out however many arrive at
 * once (issue 20, item 2). Past the limit within the window the address is refused with 429 and Retry-After
 * for the lockout. So that a burst of guesses cannot run ahead of the count, each process lets at most as
 * many lookups per address be in flight as failures the address has left (plus the one that would lock it);
 * the rest wait for a slot, then see the lockout or take their turn. Counts live in Redis, shared by every
 * API process; while Redis is away each process counts in memory instead.
 */
@Injectable()
export class AuthLockout implements OnModuleInit, OnApplicationShutdown {
  private redis!: Redis;
  private limiters!: Record<AttemptKind, RateLimiterRedis>;
  /** Lookups in flight in this process per attempt kind and address, and the attempts waiting for a slot. */
  private readonly gates = new Map<string, Gate>();
  /** Addresses known to be locked out, so that a flood from one is answered without a Redis round trip each. */
  private readonly lockedUntil = new LRUCache<string, number>({ max: 100_000, ttl: 1, ttlAutopurge: false });

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

  /**
   * Runs `lookUp` for an attempt from `address` and counts it when it finds nothing, or throws 429 while the
   * address is locked out (also when this very failure locks it).
   */
  async attempt<T>(kind: AttemptKind, address: string, lookUp: () => Promise<T | null>): Promise<T | null> {
    const release = await this.takeSlot(kind, address);
    let result: T | null;
    try {
      result = await lookUp();
    } finally {
      release();
    }
    if (result === null) await this.refuseIfRejected(kind, address, () => this.limiters[kind].consume(address));
    return result;
  }

  /** Waits until `address` may have one more lookup in flight here; throws 429 while it is locked out. */
  private async takeSlot(kind: AttemptKind, address: string): Promise<() => void> {
    const gateKey = `${kind}:${address}`;
    const gate = this.gates.get(gateKey) ?? { inFlight: 0, waiting: [] };
    this.gates.set(gateKey, gate);
    const release = () => {
      gate.inFlight--;
      this.wakeNext(gateKey, gate);
    };
    for (;;) {
      let allowance: number;
      try {
        allowance = await this.lookupsAllowed(kind, address);
      } catch (refusal) {
        this.wakeNext(gateKey, gate); // a wake-up this waiter took must not be lost to the others
        throw refusal;
      }
      if (gate.inFlight < allowance) {
        gate.inFlight++;
        return release;
      }
      await new Promise<void>((wake) => gate.waiting.push(wake));
    }
  }

  private wakeNext(gateKey: string, gate: Gate): void {
    const next = gate.waiting.shift();
    if (next) next();
    else if (gate.inFlight === 0) this.gates.delete(gateKey);
  }

  /** How many lookups `address` may have in flight: the failures it has left, plus the one that would lock it. */
  private async lookupsAllowed(kind: AttemptKind, address: string): Promise<number> {
    const lockedUntil = this.lockedUntil.get(`${kind}:${address}`);
    if (lockedUntil !== undefined && lockedUntil > Date.now()) this.refuse(kind, address, lockedUntil - Date.now());
    const limiter = this.limiters[kind];
    const state = await this.refuseIfRejected(kind, address, () => limiter.get(address));
    const consumed = state?.consumedPoints ?? 0;
    if (state && consumed > limiter.points) this.refuse(kind, address, state.msBeforeNext);
    return limiter.points - consumed + 1;
  }

  private async refuseIfRejected<T>(kind: AttemptKind, address: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return this.refuse(kind, address, rejection.msBeforeNext);
    }
  }

  private refuse(kind: AttemptKind, address: string, msBeforeNext: number): never {
    const ms = Math.max(1, msBeforeNext);
    this.lockedUntil.set(`${kind}:${address}`, Date.now() + ms, { ttl: ms });
    const seconds = Math.ceil(ms / 1000);
    throw new RetryLaterException(HttpStatus.TOO_MANY_REQUESTS, REFUSAL[kind](seconds), seconds);
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
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }
}
