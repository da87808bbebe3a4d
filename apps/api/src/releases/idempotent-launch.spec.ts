import { describe, expect, it } from 'vitest';
import { roleAllows } from '../auth/roles.js';
import type { Catalog, CatalogTemplate } from '@slipway/ansible';
import { IDEMPOTENCY_KEY_PATTERN, canonicalJson, launchRequestIdentity } from './idempotent-launch.js';

const hello = {
  name: 'hello',
  inventories: ['local', 'staging'],
  extraVars: { greeting: 'hi', count: 1 },
  secretVars: [],
} as unknown as CatalogTemplate;
const catalog = { templates: { hello } } as unknown as Catalog;

describe('idempotency request identity', () => {
  it('is the same for the same body whatever the key order, and differs for any other value', () => {
    expect(canonicalJson({ b: 1, a: { y: [1, { d: 2, c: 3 }], x: null } })).toBe(canonicalJson({ a: { x: null, y: [1, { c: 3, d: 2 }] }, b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: undefined, b: 1 })).toBe(canonicalJson({ b: 1 }));
  });

  it('compares the request with its defaults applied (issue 14: spelling out the default inventory was a 409)', () => {
    const short = launchRequestIdentity(catalog, { template: 'hello' });
    expect(
      launchRequestIdentity(catalog, {
        template: 'hello',
        inventory: 'local',
        extraVars: { greeting: 'hi' },
        checkMode: false,
      }),
    ).toBe(short);
    expect(launchRequestIdentity(catalog, { template: 'hello', inventory: 'staging' })).not.toBe(short);
    expect(launchRequestIdentity(catalog, { template: 'hello', extraVars: { greeting: 'hello' } })).not.toBe(short);
    expect(launchRequestIdentity(catalog, { template: 'hello', checkMode: true })).not.toBe(short);
    // Another git ref is another request (the same key for it is a 409, not the first release again).
    expect(launchRequestIdentity(catalog, { template: 'hello', ref: 'feature' })).not.toBe(short);
    expect(launchRequestIdentity(catalog, { template: 'hello', ref: 'feature' })).not.toBe(launchRequestIdentity(catalog, { template: 'hello', ref: 'main' }));
    // One instant, however it is written.
    expect(launchRequestIdentity(catalog, { template: 'hello', runAt: '2030-01-01T10:00:00Z' })).toBe(
      launchRequestIdentity(catalog, { template: 'hello', runAt: '2030-01-01T11:00:00.000+01:00' }),
    );
    // An unknown template is compared as sent (the create answers 400 for it anyway).
    expect(launchRequestIdentity(catalog, { template: 'nope' })).not.toBe(launchRequestIdentity(catalog, { template: 'nope', inventory: 'x' }));
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
