import type { SecretKeys } from '@slipway/config';
import { splitSecretVars } from '@slipway/ansible';
import type { ReleaseEntity } from '@slipway/db';
import { SecretCipherError, decryptSecretValues, encryptSecretValues } from './secret-cipher.js';

/** What a new release stores of its vars: secrets as "********" in `extraVars`, their values encrypted. */
export interface SealedVars {
  extraVars: Record<string, unknown>;
  secretVars: string[];
  secretValues: string | null;
}

/**
 * Seals a release's merged vars before they are stored. Throws SecretCipherError naming
 * SLIPWAY_SECRET_KEY when there are secret values but no key: they are never stored in clear.
 */
export function sealSecretVars(vars: Record<string, unknown>, secretVars: readonly string[], keys: SecretKeys): SealedVars {
  const { stored, secrets } = splitSecretVars(vars, secretVars);
  const names = Object.keys(secrets);
  if (names.length > 0 && !keys.current) {
    throw new SecretCipherError(`SLIPWAY_SECRET_KEY is not set, so secret vars (${names.join(', ')}) cannot be stored`);
  }
  return {
    extraVars: stored,
    secretVars: [...secretVars],
    secretValues: names.length > 0 ? encryptSecretValues(secrets, keys) : null,
  };
}

/**
 * The vars of a stored release as given: "********" placeholders replaced by the decrypted values.
 * Throws SecretCipherError when they cannot be decrypted (no key, another key, tampered).
 */
export function openSecretVars(
  release: Pick<ReleaseEntity, 'extraVars' | 'secretValues'>,
  keys: SecretKeys,
): { vars: Record<string, unknown>; secrets: Record<string, unknown> } {
  const secrets = release.secretValues ? decryptSecretValues(release.secretValues, keys) : {};
  const vars = Object.fromEntries([...Object.entries(release.extraVars), ...Object.entries(secrets)]);
  return { vars, secrets };
}

/** The secret var names a release is masked with: its own list, or for releases from before it had one, the catalog's. */
export function releaseSecretVars(release: Pick<ReleaseEntity, 'secretVars'>, catalogSecretVars: readonly string[] | undefined): string[] {
  return release.secretVars ?? [...(catalogSecretVars ?? [])];
}
