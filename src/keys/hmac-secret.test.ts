import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertStrongHmacSecret } from './hmac-secret.js';

const weak = (secret: Uint8Array | string, alg: 'HS256' | 'HS384' | 'HS512' = 'HS256'): string => {
  try {
    assertStrongHmacSecret(typeof secret === 'string' ? Buffer.from(secret) : secret, alg);
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'accepted';
};

describe('assertStrongHmacSecret', () => {
  it.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const)('accepts %s random secrets of %i bytes', (alg, bytes) => {
    for (let i = 0; i < 50; i++) expect(weak(randomBytes(bytes), alg)).toBe('accepted');
  });

  it('accepts long random text secrets (base64url, hex)', () => {
    for (let i = 0; i < 2000; i++) {
      expect(weak(randomBytes(32).toString('base64url'))).toBe('accepted');
      expect(weak(randomBytes(32).toString('hex'))).toBe('accepted');
    }
  });

  it.each([
    ['shorter than the hash', randomBytes(31)],
    ['the RFC 7518 minimum for HS512 used for HS256 but short', randomBytes(16)],
    ['one repeated byte', Buffer.alloc(64, 7)],
    ['a repeated short pattern', Buffer.from('abcd'.repeat(16))],
    ['a password padded to length', 'correct horse battery staple!!!!'],
    ['a 32-character hex string (128 bits)', randomBytes(16).toString('hex')],
    ['lower-case words', 'thisismysupersecretkeyforthejwts'],
    ['digits only', '12345678901234567890123456789012345678901234567890'],
  ])('refuses %s', (_name, secret) => {
    expect(weak(secret)).toBe('ERR_KEY_TOO_WEAK');
  });

  it('asks HS512 for 64 bytes', () => {
    expect(weak(randomBytes(48), 'HS512')).toBe('ERR_KEY_TOO_WEAK');
  });
});
