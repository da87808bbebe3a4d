import { InitialSchema1764200000000 } from './1764200000000-initial-schema.js';

/** Every migration, oldest first. Listed explicitly so the bundled entry points need no file globbing. */
export const MIGRATIONS = [InitialSchema1764200000000];
