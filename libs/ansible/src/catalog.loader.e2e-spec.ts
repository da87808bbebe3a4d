import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from './catalog.loader.js';

/** E2E tier: the loader with the real `ansible-inventory` (the unit spec beside it uses a fake). */
const EXAMPLE_CATALOG = fileURLToPath(new URL('../../../examples/catalog.yml', import.meta.url));

describe('loadCatalog with the real ansible-inventory', () => {
  it('loads the example catalog, reading its inventories with the real ansible-inventory', () => {
    const catalog = loadCatalog(EXAMPLE_CATALOG);
    expect(Object.keys(catalog.templates)).toEqual(['hello', 'deploy-sim', 'fail', 'log-flood', 'deploy-web', 'dns-ship-zone', 'vault-demo']);
    expect(catalog.templates['deploy-sim']?.extraVars).toEqual({ seconds: 30 });
    expect(catalog.templates['vault-demo']?.credentials).toEqual({ vaultPassword: { env: 'SLIPWAY_EXAMPLE_VAULT_PASSWORD' } });
    expect(catalog.inventoryNames.staging).toEqual({ hosts: ['localhost'], groups: ['all', 'ungrouped', 'web'] });
    const web = catalog.templates['deploy-web'];
    expect(web.inventories).toEqual(['staging', 'prod']);
    expect(web.secretVars).toEqual(['db_password']);
    expect(web.extraVars).toEqual({ canary: 10, rollout: 'rolling', announce: true, hosts_per_batch: 5 });
    expect(web.vars.db_password).toEqual({
      name: 'db_password', type: 'string', required: false, secret: true, maxLength: 4096, defaultFromEnv: 'DEPLOY_DB_PASSWORD',
      description: expect.any(String),
    });
    // Every stock template declares typed vars.
    for (const template of Object.values(catalog.templates)) {
      for (const spec of Object.values(template.vars)) expect(spec.type, `${template.name}.${spec.name}`).toBeDefined();
    }
  }, 30_000);
});
