import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe, with a prefix that makes a leaked token easy to recognise in a scanner. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time comparison of two secrets (hashed first, so lengths always match). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(sha256Hex(a), 'hex'), Buffer.from(sha256Hex(b), 'hex'));
}

/**
 * What a bootstrap session records of SLIPWAY_BOOTSTRAP_TOKEN, so that it ends when the token changes.
 * A slow hash (scrypt, computed once per process), because unlike a generated token the bootstrap token is
 * chosen by a person and the fingerprint sits in the DB.
 */
export function bootstrapFingerprint(bootstrapToken: string): string {
  return scryptSync(bootstrapToken, 'slipway bootstrap session', 32, { N: 16_384, r: 8, p: 1 }).toString('hex');
}
