import type { CatalogTemplate } from './catalog.types.js';

export const REDACTED = '********';

/** The lock key for a release of `template` on `inventory`, e.g. "hello:local". */
export function resolveLockKey(template: Pick<CatalogTemplate, 'name' | 'lock'>, inventory: string): string {
  // A replacer function, so "$&"-style patterns in names are not interpreted.
  return template.lock.replace(/\{(template|inventory)\}/g, (_match, key: string) =>
    key === 'template' ? template.name : inventory,
  );
}

/**
 * The template's default extra vars overridden key by key (shallow) by a release's.
 * Overrides that are `undefined` count as "not given" and keep the default.
 */
export function mergeExtraVars(
  template: Pick<CatalogTemplate, 'extraVars'>,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  // fromEntries defines keys instead of assigning them, so a "__proto__" var stays a plain var.
  return Object.fromEntries([
    ...Object.entries(template.extraVars),
    ...Object.entries(overrides).filter(([, value]) => value !== undefined),
  ]);
}

/** A copy of `vars` safe to show or log: values of secret vars replaced by "********". */
export function redactSecrets(
  vars: Record<string, unknown>,
  secretVars: readonly string[],
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(vars).map(([name, value]) => [name, secretVars.includes(name) ? REDACTED : value]),
  );
}
