export * from './queue.constants.js';
export * from './redis-connection.js';
export * from './worker-registry-store.js';
