import { type CatalogTemplate, REDACTED, type SecretVarDeclarations, secretEnvDefaults } from '@slipway/ansible';
import type { SecretKeys } from '@slipway/config';
import type { ReleaseEntity } from '@slipway/db';
import { openSecretVars, releaseSecretVars } from '@slipway/releases';

export interface RunVars {
  /** What ansible gets (through the extra-vars file). */
  vars: Record<string, unknown>;
  /** Every secret value of this run, for the log masker. */
  secretValues: unknown[];
  /** Lines for the release log (never a value). */
  notes: string[];
}

/**
 * The vars a run hands to ansible: the stored ones, secret placeholders replaced by their decrypted
 * values, and secret defaults `{ env: NAME }` read from this worker's environment now (never stored).
 * Throws SecretCipherError when stored values cannot be decrypted.
 */
export function resolveRunVars(
  release: Pick<ReleaseEntity, 'extraVars' | 'secretValues' | 'secretVars'>,
  template: Pick<CatalogTemplate, 'extraVars'> & SecretVarDeclarations,
  keys: SecretKeys,
  env: NodeJS.ProcessEnv,
): RunVars {
  const { vars, secrets } = openSecretVars(release, keys);
  const secretNames = releaseSecretVars(release, template.secretVars);
  const notes: string[] = [];
  const fromEnv: [string, string][] = [];
  for (const [name, envName] of Object.entries(secretEnvDefaults(template))) {
    if (name in secrets) continue;
    const value = env[envName];
    if (value === undefined || value === '') notes.push(`[slipway] secret var ${name}: ${envName} is not set on this worker; the var is left undefined`);
    else fromEnv.push([name, value]);
  }
  const resolved = Object.fromEntries([...Object.entries(vars).filter(([name, value]) => !(secretNames.includes(name) && value === REDACTED && !(name in secrets))), ...fromEnv]);
  const secretValues = [
    ...Object.values(secrets),
    ...fromEnv.map(([, value]) => value),
    // Releases from before secrets were encrypted hold them in clear; today's catalog defaults too.
    ...secretNames.map((name) => vars[name]).filter((value) => value !== REDACTED),
    ...secretNames.map((name) => template.extraVars[name]),
  ];
  return { vars: resolved, secretValues, notes };
}
