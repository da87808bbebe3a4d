export * from './release-state.js';
export * from './release-events.js';
export * from './release-store.js';
export * from './secret-cipher.js';
export * from './release-secrets.js';
export * from './lock-order.js';
export * from './release-counters.js';
