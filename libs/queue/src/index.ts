export * from './job-kind.js';
export * from './job-kinds.js';
export * from './queue.constants.js';
export * from './redis-connection.js';
export * from './worker-registry-store.js';
