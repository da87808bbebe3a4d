import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { type AttemptKind, AuthLockout } from './auth-lockout.js';
import { clientAddress } from './client-address.js';
import { CredentialBatches } from './credential-batches.js';
import { CredentialCache, type CredentialRecord } from './credential-cache.js';
import { BOOTSTRAP_NAME, type Principal } from './principal.js';
import { bootstrapFingerprint, secretsEqual, sha256Hex } from './secrets.js';
import { readSessionCookie } from './session-cookie.js';

const MAX_TOKEN_LENGTH = 512;

/** What a request presents: a bearer token, a session cookie, or nothing usable. */
type Credential = { via: 'token'; token: string } | { via: 'session'; sessionId: string };

/**
 * Turns a bearer token or a session cookie into a Principal, or answers 401. Lookups go through the
 * CredentialCache (so repeated credentials cost no DB read) and, unless the answer is a known good one, count
 * failed ones against the client address in AuthLockout (so guessing gets 429 long before it costs the DB
 * anything, and good credentials never lock an address out).
 */
@Injectable()
export class Authenticator {
  /** Computed once: bootstrap sessions carry it and end when SLIPWAY_BOOTSTRAP_TOKEN changes. */
  readonly bootstrapFingerprint: string | null;
  /** SHA-256 of SLIPWAY_BOOTSTRAP_TOKEN, computed once: each request's token is hashed once and compared to it. */
  private readonly bootstrapHash: Buffer | null;

  constructor(
    private readonly batches: CredentialBatches,
    private readonly cache: CredentialCache,
    private readonly lockout: AuthLockout,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {
    this.bootstrapFingerprint = config.bootstrapToken ? bootstrapFingerprint(config.bootstrapToken) : null;
    this.bootstrapHash = config.bootstrapToken ? Buffer.from(sha256Hex(config.bootstrapToken), 'hex') : null;
  }

  /** secretsEqual(token, bootstrap token), given the token's SHA-256 hex: constant time, as before. */
  private isBootstrap(tokenHash: string): boolean {
    return this.bootstrapHash !== null && timingSafeEqual(Buffer.from(tokenHash, 'hex'), this.bootstrapHash);
  }

  async authenticate(request: Request): Promise<Principal> {
    const credential = this.credentialOf(request);
    const address = clientAddress(request);
    if (credential.via === 'token') {
      const principal = await this.fromToken(credential.token, address, 'credential');
      if (!principal) throw new UnauthorizedException('Authorization: invalid or revoked token');
      return principal;
    }
    const principal = await this.fromSession(credential.sessionId, address);
    if (!principal) throw new UnauthorizedException('session: expired or signed out, sign in again');
    return principal;
  }

  /**
   * The principal a token stands for, or null when it is unknown or revoked. `kind` says which lockout the
   * attempt counts against (sign-in has its own, stricter one).
   */
  async fromToken(token: string, address: string, kind: AttemptKind): Promise<Principal | null> {
    if (token.length === 0) return null;
    const hash = sha256Hex(token);
    if (token.length <= MAX_TOKEN_LENGTH && this.isBootstrap(hash)) {
      return { name: BOOTSTRAP_NAME, role: 'admin', tokenId: null, via: 'token' };
    }
    const record = await this.lookUp(kind, address, `${TOKEN_PREFIX}${hash}`, () =>
      token.length > MAX_TOKEN_LENGTH ? Promise.resolve(null) : this.batches.token(hash),
    );
    return record ? { name: record.name, role: record.role, tokenId: record.tokenId, via: 'token' } : null;
  }

  /**
   * Whether the request's credential still stands for someone (an open event stream asks every few
   * seconds). Not counted against the address: a revoked token on an open stream is not a guess.
   */
  async stillValid(request: Request): Promise<boolean> {
    const credential = this.credentialOf(request);
    if (credential.via === 'token') {
      if (this.config.bootstrapToken && secretsEqual(credential.token, this.config.bootstrapToken)) return true;
      return (await this.cache.fetch(tokenKey(credential.token), () => this.loadToken(credential.token))) !== null;
    }
    const key = sessionKey(credential.sessionId);
    return this.sessionPrincipal(await this.cache.fetch(key, () => this.loadSession(key))) !== null;
  }

  /** A token was revoked here: it and its sessions stop working now, not when their cache entries expire. */
  forgetToken(tokenId: number): void {
    this.cache.forgetTokenId(tokenId);
  }

  /** A session was ended here (sign-out). */
  forgetSession(sessionId: string): void {
    this.cache.forget(sessionKey(sessionId));
  }

  private credentialOf(request: Request): Credential {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match?.[1]) throw new UnauthorizedException('Authorization: expected "Bearer <token>"');
      return { via: 'token', token: match[1] };
    }
    const sessionId = readSessionCookie(request);
    if (sessionId !== undefined) return { via: 'session', sessionId };
    throw new UnauthorizedException('Authorization: missing, send "Authorization: Bearer <token>"');
  }

  private async fromSession(sessionId: string, address: string): Promise<Principal | null> {
    const key = sessionKey(sessionId);
    return this.sessionPrincipal(await this.lookUp('credential', address, key, () => this.loadSession(key)));
  }

  private sessionPrincipal(record: CredentialRecord | null): Principal | null {
    if (!record) return null;
    if (record.tokenId === null) {
      // A bootstrap session lives only as long as the bootstrap token it was made with.
      if (!this.bootstrapFingerprint || !record.bootstrapFingerprint) return null;
      if (!secretsEqual(record.bootstrapFingerprint, this.bootstrapFingerprint)) return null;
    }
    return { name: record.name, role: record.role, tokenId: record.tokenId, via: 'session' };
  }

  /** A known good answer costs nothing; a lookup that finds nothing counts against `address`. */
  private async lookUp(kind: AttemptKind, address: string, key: string, load: () => Promise<CredentialRecord | null>) {
    const known = this.cache.peek(key);
    if (known) return known;
    // Concurrent lookups of one key share one load (CredentialCache), each still counted if it fails.
    return this.lockout.attempt(kind, address, () => (known === null ? Promise.resolve(null) : this.cache.fetch(key, load)));
  }

  private loadToken(token: string): Promise<CredentialRecord | null> {
    return this.batches.token(sha256Hex(token));
  }

  private loadSession(key: string): Promise<CredentialRecord | null> {
    return this.batches.session(key.slice(SESSION_PREFIX.length));
  }
}

const TOKEN_PREFIX = 't:';
const SESSION_PREFIX = 's:';
const tokenKey = (token: string) => `${TOKEN_PREFIX}${sha256Hex(token)}`;
const sessionKey = (sessionId: string) => `${SESSION_PREFIX}${sha256Hex(sessionId)}`;
