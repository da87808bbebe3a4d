import { REDACTED } from './catalog.vars.js';

/**
 * What the secret handling reads of a template. `vars[name].defaultFromEnv` comes with typed vars
 * (`db_password: { secret: true, default: { env: NAME } }`); until then only `secretVars` is set.
 */
export interface SecretVarDeclarations {
  secretVars: readonly string[];
  vars?: Readonly<Record<string, { defaultFromEnv?: string } | undefined>>;
}

/** Secret var name -> the worker environment variable holding its default (never stored). */
export function secretEnvDefaults(template: SecretVarDeclarations): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const name of template.secretVars) {
    const env = template.vars?.[name]?.defaultFromEnv;
    if (env) defaults[name] = env;
  }
  return defaults;
}

/**
 * Splits merged extra vars into what may be stored as is and the secret values (stored encrypted).
 * `stored` keeps each secret's name with "********", so every reader shows it masked.
 */
export function splitSecretVars(
  vars: Record<string, unknown>,
  secretVars: readonly string[],
): { stored: Record<string, unknown>; secrets: Record<string, unknown> } {
  const isSecret = ([name, value]: [string, unknown]): boolean => secretVars.includes(name) && value !== undefined;
  const entries = Object.entries(vars);
  // fromEntries defines keys instead of assigning them, so a "__proto__" var stays a plain var.
  return {
    stored: Object.fromEntries(entries.map((entry) => (isSecret(entry) ? [entry[0], REDACTED] : entry))),
    secrets: Object.fromEntries(entries.filter(isSecret)),
  };
}
