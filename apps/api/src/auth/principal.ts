import type { Request } from 'express';
import type { Role } from './roles.js';

/** Who is calling: the token's name is what `requestedBy` and the audit trail record. */
export interface Principal {
  name: string;
  role: Role;
  /** Null for SLIPWAY_BOOTSTRAP_TOKEN, which has no row. */
  tokenId: number | null;
  /** How the caller proved it: the bearer header, or the dashboard's session cookie. */
  via: 'token' | 'session';
}

export type AuthenticatedRequest = Request & { principal?: Principal };

/** The name the bootstrap token acts under; no stored token may take it. */
export { BOOTSTRAP_NAME } from '@slipway/config';
