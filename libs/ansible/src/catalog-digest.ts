import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { Catalog, CatalogTemplate } from './catalog.types.js';
import { REDACTED } from './catalog.vars.js';

/**
 * What a release of `templateName` on `inventory` was launched from: the template as loaded (every
 * field, so a field added to the catalog later is covered without a change here), the inventory it
 * used (name, path, credentials) and the project: its directory, or for a git project its repository, ref,
 * subdirectory and credentials' location (not the commit the catalog was checked against at load, which
 * moves with every push and is recorded on the release as commitSha; not the host's checkout path, which
 * differs between hosts). Secret literal defaults are replaced by
 * "********": a digest over a short secret would let anyone holding it guess the secret offline, so a
 * change of a secret default alone does not change the digest.
 */
export function catalogEntry(catalog: Catalog, templateName: string, inventory: string): Record<string, unknown> {
  const template = catalog.templates[templateName];
  if (!template) throw new Error(`catalogEntry: no template "${templateName}"`);
  return {
    template: withoutSecretDefaults(template),
    inventory: {
      name: inventory,
      path: catalog.inventories[inventory] ?? null,
      credentials: catalog.inventoryCredentials?.[inventory] ?? null,
    },
    project: catalog.git
      ? { git: catalog.git.url, ref: catalog.git.ref ?? null, path: catalog.git.path, credentials: catalog.git.credentials ?? null }
      : catalog.projectDir,
  };
}

/** `sha256:<hex>` of the canonical JSON (canonical-json.ts) of `catalogEntry`. */
export function catalogDigest(catalog: Catalog, templateName: string, inventory: string): string {
  return `sha256:${createHash('sha256').update(canonicalJson(catalogEntry(catalog, templateName, inventory))).digest('hex')}`;
}

function withoutSecretDefaults(template: CatalogTemplate): CatalogTemplate {
  const secret = new Set(template.secretVars);
  const vars = Object.fromEntries(
    Object.entries(template.vars).map(([name, spec]) => [name, (spec.secret || secret.has(name)) && 'default' in spec ? { ...spec, default: REDACTED } : spec]),
  );
  const extraVars = Object.fromEntries(Object.entries(template.extraVars).map(([name, value]) => [name, secret.has(name) ? REDACTED : value]));
  return { ...template, vars, extraVars };
}
