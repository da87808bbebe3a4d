import type { Catalog, CatalogTemplate } from '@slipway/ansible';

/**
 * The smallest catalog a ReleaseLauncher test needs: one open-vars template `hello` on inventory `local`
 * (one host), lock `{template}:{inventory}`, no git project. Shared by the launcher's unit and medium tests.
 */
export const helloTemplate = {
  name: 'hello',
  inventories: ['local'],
  vars: {},
  openVars: true,
  extraVars: {},
  secretVars: [],
  limit: { maxHosts: null },
  lock: '{template}:{inventory}',
} as unknown as CatalogTemplate;

export const helloCatalog = {
  templates: { hello: helloTemplate },
  inventories: { local: '/srv/inventories/local.ini' },
  inventoryNames: { local: ['localhost'] },
  git: null,
} as unknown as Catalog;
