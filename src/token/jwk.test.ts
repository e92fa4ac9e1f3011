import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeJwkThumbprint, exportPublicJwk, importVerificationJwk, type Jwk } from './jwk.js';
import { createVerificationKey } from './verification-key.js';

const ed = generateKeyPairSync('ed25519');
const edJwk = exportPublicJwk(ed.publicKey);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).name;
  }
  return undefined;
}

describe('importVerificationJwk', () => {
  it('binds Ed25519 and P-256 keys to their only algorithm and defaults kid to the thumbprint', () => {
    const key = importVerificationJwk(edJwk);
    expect(key.alg).toBe('EdDSA');
    expect(key.kid).toBe(computeJwkThumbprint(edJwk));
    const ec = exportPublicJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
    expect(importVerificationJwk(ec).alg).toBe('ES256');
  });

  it('ignores private members and keeps the public key only', () => {
    const privateJwk = ed.privateKey.export({ format: 'jwk' }) as Jwk;
    expect(importVerificationJwk(privateJwk).keyObject.type).toBe('public');
  });

  it.each([
    ['use enc', { ...edJwk, use: 'enc' }, 'ERR_KEY_INVALID'],
    ['key_ops without verify', { ...edJwk, key_ops: ['sign'] }, 'ERR_KEY_INVALID'],
    ['an alg that does not fit the key type', { ...edJwk, alg: 'RS256' }, 'ERR_KEY_ALG_MISMATCH'],
    ['an unknown alg', { ...edJwk, alg: 'none' }, 'ERR_KEY_ALG_MISMATCH'],
    ['an RSA key without alg', { kty: 'RSA', n: 'AQAB', e: 'AQAB' }, 'ERR_KEY_ALG_MISMATCH'],
    ['a broken x', { ...edJwk, x: 'AA' }, 'ERR_KEY_INVALID'],
    ['an oct key with a padded k', { kty: 'oct', k: 'YQ==', alg: 'HS256' }, 'ERR_KEY_INVALID'],
    ['a short oct key', { kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }, 'ERR_KEY_TOO_WEAK'],
  ])('refuses %s', (_name, jwk, expected) => {
    expect(code(() => importVerificationJwk(jwk as Jwk))).toBe(expected);
  });

  it.each([
    ['an empty kid', ''],
    ['a numeric kid', 5],
    ['a null kid', null],
  ])('refuses %s', (_name, kid) => {
    expect(code(() => importVerificationJwk({ ...edJwk, kid } as unknown as Jwk))).toBe(
      'ERR_KEY_INVALID',
    );
  });

  it('refuses an expected algorithm the JWK contradicts', () => {
    expect(code(() => importVerificationJwk({ ...edJwk, alg: 'EdDSA' }, 'ES256'))).toBe(
      'ERR_KEY_ALG_MISMATCH',
    );
  });
});

describe('createVerificationKey', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  it.each([
    [
      'an RSA public key as an HMAC secret',
      () => createVerificationKey(rsa.publicKey, 'HS256', 'k'),
    ],
    [
      'an HMAC secret as an RSA key',
      () => createVerificationKey(createSecretKey(randomBytes(32)), 'RS256', 'k'),
    ],
    ['an Ed25519 key for ES256', () => createVerificationKey(ed.publicKey, 'ES256', 'k')],
    [
      'a P-384 key for ES256',
      () =>
        createVerificationKey(
          generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
          'ES256',
          'k',
        ),
    ],
    ['an RSA key for EdDSA', () => createVerificationKey(rsa.publicKey, 'EdDSA', 'k')],
    [
      'a private key where a public one belongs',
      () => createVerificationKey(ed.privateKey, 'EdDSA', 'k'),
    ],
  ])('refuses %s', (_name, make) => {
    expect(code(make)).toBe('ERR_KEY_ALG_MISMATCH');
  });

  it('refuses RSA keys under 2048 bits and short HMAC secrets', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(code(() => createVerificationKey(small, 'RS256', 'k'))).toBe('ERR_KEY_TOO_WEAK');
    expect(code(() => createVerificationKey(createSecretKey(randomBytes(47)), 'HS384', 'k'))).toBe(
      'ERR_KEY_TOO_WEAK',
    );
  });
});
