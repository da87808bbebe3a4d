export * from './names.js';
export * from './ttl.js';
export * from './record-types.js';
export * from './record-values.js';
export * from './record-rules.js';
export * from './serial.js';
export * from './zone-file.js';
export * from './zone-install.js';
