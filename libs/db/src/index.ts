export * from './entities/release.entity.js';
export * from './entities/release-log-chunk.entity.js';
export * from './data-source.js';
export * from './retry.js';
export * from './unit-of-work.js';
export * from './db.module.js';
