import { describe, expect, it } from 'vitest';
import { SecretKey } from '@slipway/config';
import { SecretCipherError, decryptSecretValues, encryptSecretValues, keyId } from './secret-cipher.js';

const keyA = new SecretKey(Buffer.alloc(32, 1));
const keyB = new SecretKey(Buffer.alloc(32, 2));
const values = { db_password: 's3cr3t-Пароль "quoted"', api_key: 12345 };

describe('secret cipher', () => {
  it('round-trips values and never contains them in clear', () => {
    const stored = encryptSecretValues(values, { current: keyA });
    expect(stored).toMatch(/^slipway:v1:[0-9a-f]{8}:[\w-]+:[\w-]+:[\w-]+$/);
    expect(stored).not.toContain('s3cr3t');
    expect(stored).not.toContain('12345');
    expect(decryptSecretValues(stored, { current: keyA })).toEqual(values);
  });

  it('uses a fresh IV each time: the same values never give the same text', () => {
    expect(encryptSecretValues(values, { current: keyA })).not.toBe(encryptSecretValues(values, { current: keyA }));
  });

  it('refuses to encrypt without a key, naming SLIPWAY_SECRET_KEY', () => {
    expect(() => encryptSecretValues(values, {})).toThrow(/SLIPWAY_SECRET_KEY is not set/);
  });

  it('reads values written before a rotation with SLIPWAY_SECRET_KEY_PREVIOUS, and not without it', () => {
    const old = encryptSecretValues(values, { current: keyA });
    expect(decryptSecretValues(old, { current: keyB, previous: keyA })).toEqual(values);
    expect(() => decryptSecretValues(old, { current: keyB })).toThrow(new RegExp(`another key \\(id ${keyId(keyA)}\\)`));
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const stored = encryptSecretValues(values, { current: keyA });
    const parts = stored.split(':');
    for (const index of [3, 4, 5]) {
      const tampered = [...parts];
      const part = tampered[index];
      tampered[index] = `${part[0] === 'A' ? 'B' : 'A'}${part.slice(1)}`;
      expect(() => decryptSecretValues(tampered.join(':'), { current: keyA })).toThrow(SecretCipherError);
    }
  });

  it('refuses unknown formats and a key id that matches but the wrong key bytes', () => {
    expect(() => decryptSecretValues('{"db_password":"x"}', { current: keyA })).toThrow(/format/);
    const stored = encryptSecretValues(values, { current: keyA });
    const forged = stored.replace(keyId(keyA), keyId(keyB));
    expect(() => decryptSecretValues(forged, { current: keyB })).toThrow(/integrity/);
  });
});
