import { randomBytes } from 'node:crypto';
import type { SecretKeys } from '@slipway/config';
import { seal, unseal } from '../secret-cipher.js';

/** Binds a sealed signing secret to its purpose: a release's sealed secret values do not open as one. */
const AAD = Buffer.from('slipway webhook signing secret v1');

/** A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64 (what the spec's libraries read). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The secret as stored: sealed with SLIPWAY_SECRET_KEY like release secret values, never in clear. */
export function sealWebhookSecret(secret: string, keys: SecretKeys): string {
  return seal(secret, keys, AAD);
}

export function unsealWebhookSecret(stored: string, keys: SecretKeys): string {
  return unseal(stored, keys, AAD, 'webhook signing secrets');
}
