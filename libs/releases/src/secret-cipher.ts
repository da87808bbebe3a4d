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
  if (!keys.current) throw new SecretCipherError('SLIPWAY_SECRET_KEY is not set');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, keys.current.bytes, iv);
  cipher.setAAD(AAD);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
  return [PREFIX, keyId(keys.current), ...parts].join(':');
}

/** Decrypts what `encryptSecretValues` wrote, with whichever configured key wrote it. */
export function decryptSecretValues(stored: string, keys: SecretKeys): Record<string, unknown> {
  const parts = stored.split(':');
  if (parts.length !== 6 || `${parts[0]}:${parts[1]}` !== PREFIX) {
    throw new SecretCipherError('stored secret values are not in a format this Slipway can read (expected slipway:v1)');
  }
  const [, , id, iv, tag, ciphertext] = parts as [string, string, string, string, string, string];
  const key = [keys.current, keys.previous].find((k) => k !== undefined && keyId(k) === id);
  if (!key) {
    throw new SecretCipherError(
      keys.current
        ? `secret values were encrypted with another key (id ${id}); set that key as SLIPWAY_SECRET_KEY or SLIPWAY_SECRET_KEY_PREVIOUS`
        : 'SLIPWAY_SECRET_KEY is not set',
    );
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key.bytes, Buffer.from(iv, 'base64url'));
    decipher.setAAD(AAD);
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new SecretCipherError('stored secret values failed their integrity check (tampered or truncated)');
  }
}
