import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { AddressGuard } from './address-guard.js';
import { retryDelayMs } from './webhook-backoff.js';

/** A resolver answering fixed addresses per name, as DNS might (rebinding included). */
function fakeDns(answers: Record<string, string[]>) {
  return ((hostname: string, _options: unknown, callback: (error: Error | null, addresses: LookupAddress[]) => void) => {
    const found = answers[hostname];
    if (!found) return callback(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }), []);
    callback(null, found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  }) as unknown as ConstructorParameters<typeof AddressGuard>[1];
}

function lookup(guard: AddressGuard, hostname: string): Promise<string> {
  return new Promise((resolve, reject) => {
    guard.lookup(hostname, {}, (error, address) => (error ? reject(error) : resolve(typeof address === 'string' ? address : JSON.stringify(address))));
  });
}

describe('AddressGuard (no SSRF)', () => {
  it('refuses loopback, private, link-local, metadata and mapped addresses by default', () => {
    const guard = new AddressGuard([]);
    for (const address of ['127.0.0.1', '127.8.9.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::1', '::', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(guard.refusal(address), address).toMatch(/loopback, private/);
    }
    for (const address of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111']) expect(guard.refusal(address), address).toBeNull();
  });

  it('lets through exactly what WEBHOOK_ALLOWED_ADDRESSES lists', () => {
    const guard = new AddressGuard(['127.0.0.1', '10.5.0.0/16']);
    expect(guard.refusal('127.0.0.1')).toBeNull();
    expect(guard.refusal('10.5.3.4')).toBeNull();
    expect(guard.refusal('127.0.0.2')).not.toBeNull();
    expect(guard.refusal('10.6.0.1')).not.toBeNull();
  });

  it('checks the addresses a name resolves to when connecting: a name rebinding to 127.0.0.1 is refused', async () => {
    const guard = new AddressGuard([], fakeDns({ 'hooks.example.com': ['93.184.216.34'], 'rebound.example.com': ['127.0.0.1'], 'mixed.example.com': ['93.184.216.34', '10.0.0.1'] }));
    expect(await lookup(guard, 'hooks.example.com')).toBe('93.184.216.34');
    await expect(lookup(guard, 'rebound.example.com')).rejects.toThrow(/127\.0\.0\.1 is a loopback/);
    await expect(lookup(guard, 'mixed.example.com')).rejects.toThrow(/10\.0\.0\.1/);
  });

  it('refuses localhost through the real resolver unless its address is allowed', async () => {
    await expect(lookup(new AddressGuard([]), 'localhost')).rejects.toThrow(/loopback/);
    const allowed = new AddressGuard(['127.0.0.1', '::1']);
    expect(['127.0.0.1', '::1']).toContain(await lookup(allowed, 'localhost'));
  });
});

describe('retry schedule', () => {
  it('spreads 8 attempts over more than 24 hours even with no jitter, and jitter only lengthens a delay', () => {
    const base = 10_000;
    const total = (random: () => number) => Array.from({ length: 7 }, (_, i) => retryDelayMs(i + 1, base, random)).reduce((a, b) => a + b, 0);
    expect(total(() => 0)).toBeGreaterThan(24 * 3_600_000);
    expect(retryDelayMs(1, base, () => 0)).toBe(10_000);
    expect(retryDelayMs(1, base, () => 1)).toBe(12_500);
    expect(retryDelayMs(2, base, () => 0)).toBe(60_000);
    expect(retryDelayMs(20, base, () => 0)).toBe(12 * 3_600_000);
  });
});
