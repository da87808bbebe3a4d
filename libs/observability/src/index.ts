export * from './logger.js';
export * from './preflight.js';
export * from './http-logger.js';
export * from './metrics/index.js';
