export * from './logger.js';
export * from './preflight.js';
