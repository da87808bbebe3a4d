import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { TokenStore } from '../tokens/token.store.js';
import { BOOTSTRAP_NAME, type Principal } from './principal.js';
import { secretsEqual, sha256Hex } from './secrets.js';
import { readSessionCookie } from './session-cookie.js';
import { SessionStore } from './session.store.js';

const MAX_TOKEN_LENGTH = 512;

/** Turns a bearer token or a session cookie into a Principal, or answers 401. */
@Injectable()
export class Authenticator {
  constructor(
    private readonly tokens: TokenStore,
    private readonly sessions: SessionStore,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  async authenticate(request: Request): Promise<Principal> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match?.[1]) throw new UnauthorizedException('Authorization: expected "Bearer <token>"');
      const principal = await this.fromToken(match[1]);
      if (!principal) throw new UnauthorizedException('Authorization: invalid or revoked token');
      return principal;
    }
    const sessionId = readSessionCookie(request);
    if (sessionId !== undefined) {
      const principal = await this.fromSession(sessionId);
      if (!principal) throw new UnauthorizedException('session: expired or signed out, sign in again');
      return principal;
    }
    throw new UnauthorizedException('Authorization: missing, send "Authorization: Bearer <token>"');
  }

  /** The principal a token stands for, or null when it is unknown or revoked. */
  async fromToken(token: string): Promise<Principal | null> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    if (this.config.bootstrapToken && secretsEqual(token, this.config.bootstrapToken)) {
      return { name: BOOTSTRAP_NAME, role: 'admin', tokenId: null, via: 'token' };
    }
    const row = await this.tokens.findActiveByHash(sha256Hex(token));
    return row ? { name: row.name, role: row.role, tokenId: row.id, via: 'token' } : null;
  }

  private async fromSession(sessionId: string): Promise<Principal | null> {
    const session = await this.sessions.find(sha256Hex(sessionId));
    if (!session) return null;
    // A bootstrap session ends when the bootstrap token is no longer configured.
    if (session.tokenId === null && !this.config.bootstrapToken) return null;
    return { ...session, via: 'session' };
  }
}
