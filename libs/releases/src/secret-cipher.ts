import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretKey, SecretKeys } from '@slipway/config';

/**
 * Secret var values at rest: AES-256-GCM with a random 96-bit IV per value set, as one versioned string
 * `slipway:v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url). The key id (the first 8 hex digits of the
 * key's SHA-256) picks the key to decrypt with, so values written before a rotation stay readable while
 * SLIPWAY_SECRET_KEY_PREVIOUS holds the old key.
 */
const PREFIX = 'slipway:v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
/** Binds the ciphertext to its purpose: a blob copied from another kind of field does not decrypt. */
const AAD = Buffer.from('slipway release secret values v1');

/** Why stored secret values cannot be read or written; the message names the setting, never a value. */
export class SecretCipherError extends Error {
  override name = 'SecretCipherError';
}

export function keyId(key: SecretKey): string {
  return createHash('sha256').update(key.bytes).digest('hex').slice(0, 8);
}

/** Encrypts a JSON object of secret values with the current key. */
export function encryptSecretValues(values: Record<string, unknown>, keys: SecretKeys): string {
  return seal(JSON.stringify(values), keys, AAD);
}

/** Decrypts what `encryptSecretValues` wrote, with whichever configured key wrote it. */
export function decryptSecretValues(stored: string, keys: SecretKeys): Record<string, unknown> {
  return JSON.parse(unseal(stored, keys, AAD, 'secret values')) as Record<string, unknown>;
}

/**
 * Seals any text with the current key, bound to `aad` (its purpose): the same format and key rotation
 * as secret var values. Webhook signing secrets are sealed this way (webhooks/webhook-secret.ts).
 */
export function seal(plain: string, keys: SecretKeys, aad: Buffer): string {
  if (!keys.current) throw new SecretCipherError('SLIPWAY_SECRET_KEY is not set');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, keys.current.bytes, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
  return [PREFIX, keyId(keys.current), ...parts].join(':');
}

/** Opens what `seal` wrote with the same `aad`; `what` names it in errors (never its value). */
export function unseal(stored: string, keys: SecretKeys, aad: Buffer, what: string): string {
  const parts = stored.split(':');
  if (parts.length !== 6 || `${parts[0]}:${parts[1]}` !== PREFIX) {
    throw new SecretCipherError(`stored ${what} are not in a format this Slipway can read (expected slipway:v1)`);
  }
  const [, , id, iv, tag, ciphertext] = parts as [string, string, string, string, string, string];
  const key = [keys.current, keys.previous].find((k) => k !== undefined && keyId(k) === id);
  if (!key) {
    throw new SecretCipherError(
      keys.current
        ? `${what} were encrypted with another key (id ${id}); set that key as SLIPWAY_SECRET_KEY or SLIPWAY_SECRET_KEY_PREVIOUS`
        : 'SLIPWAY_SECRET_KEY is not set',
    );
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key.bytes, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretCipherError(`stored ${what} failed their integrity check (tampered or truncated)`);
  }
}
