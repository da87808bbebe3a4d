export * from './registry.js';
export * from './cluster-metrics.js';
export * from './process-metrics.js';
export * from './http-metrics.js';
export * from './retention-metrics.js';
