import { describe, expect, it } from 'vitest';
import { roleAllows } from '../auth/roles.js';
import { IDEMPOTENCY_KEY_PATTERN, canonicalJson } from './idempotent-launch.js';

describe('idempotency request identity', () => {
  it('is the same for the same body whatever the key order, and differs for any other value', () => {
    expect(canonicalJson({ b: 1, a: { y: [1, { d: 2, c: 3 }], x: null } })).toBe(canonicalJson({ a: { x: null, y: [1, { c: 3, d: 2 }] }, b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: undefined, b: 1 })).toBe(canonicalJson({ b: 1 }));
  });

  it('accepts 1-255 visible ASCII characters as a key', () => {
    expect(IDEMPOTENCY_KEY_PATTERN.test('pipeline-1234/job:5')).toBe(true);
    expect(IDEMPOTENCY_KEY_PATTERN.test('')).toBe(false);
    expect(IDEMPOTENCY_KEY_PATTERN.test('two words')).toBe(false);
    expect(IDEMPOTENCY_KEY_PATTERN.test('x'.repeat(256))).toBe(false);
  });
});

describe('roles', () => {
  it('each role may do what the roles below it may', () => {
    expect(roleAllows('admin', 'deployer')).toBe(true);
    expect(roleAllows('deployer', 'viewer')).toBe(true);
    expect(roleAllows('deployer', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'deployer')).toBe(false);
  });
});
