export * from './enums.js';
export * from './limits.js';
export * from './registry.js';
export * from './common.js';
export * from './releases.js';
export * from './openapi.js';
