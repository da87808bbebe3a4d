import type { Provider } from '@nestjs/common';
import { loadCatalog } from './catalog.loader.js';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';

export const CATALOG = Symbol('CATALOG');

/** The catalog, loaded and validated once at start-up (main.ts has already reported its problems). */
export const catalogProvider: Provider = {
  provide: CATALOG,
  inject: [SLIPWAY_CONFIG],
  useFactory: (config: SlipwayConfig) => loadCatalog(config.catalogPath, { gitCacheDir: config.gitCacheDir }),
};
