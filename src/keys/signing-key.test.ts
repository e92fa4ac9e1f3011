import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ALGORITHMS } from '../token/algorithms.js';
import { KeyError } from '../token/errors.js';
import { computeJwkThumbprint } from '../token/jwk.js';
import { generateSigningKey } from './generate-signing-key.js';
import { importSigningKey } from './import-signing-key.js';

describe('generateSigningKey', () => {
  it('defaults to EdDSA with an RFC 7638 thumbprint as kid', async () => {
    const key = await generateSigningKey();
    const jwk = key.getPublicJwk();
    expect(key.alg).toBe('EdDSA');
    expect(jwk?.crv).toBe('Ed25519');
    expect(key.kid).toBe(computeJwkThumbprint(jwk ?? {}));
  });

  it.each(ALGORITHMS)(
    'makes a %s key that signs what its verification key accepts',
    async (alg) => {
      const key = await generateSigningKey(alg);
      const data = Buffer.from('signing input');
      const signature = key.sign(data);
      expect(key.verificationKey.alg).toBe(alg);
      expect(key.verificationKey.verifySignature('signing input', signature)).toBe(true);
      expect(key.verificationKey.verifySignature('signing inpuT', signature)).toBe(false);
    },
  );

  it('refuses RSA moduli under 2048 bits', async () => {
    await expect(generateSigningKey('RS256', { modulusLength: 1024 })).rejects.toThrow(TypeError);
  });
});

describe('SigningKey never leaks private material by accident', () => {
  it.each(['EdDSA', 'ES256', 'RS256', 'HS256'] as const)(
    '%s: JSON, inspect and String show no secret',
    async (alg) => {
      const key = await generateSigningKey(alg);
      const secret = key.exportPrivateJwk();
      const privatePart = alg === 'HS256' ? secret.k : secret.d;
      expect(typeof privatePart).toBe('string');
      for (const shown of [
        JSON.stringify(key),
        inspect(key, { depth: 10, showHidden: true }),
        String(key),
      ]) {
        expect(shown).not.toContain(privatePart);
      }
      expect(JSON.stringify({ nested: { key } })).not.toContain(privatePart);
    },
  );

  it('publishes no JWK at all for HMAC secrets', async () => {
    const key = await generateSigningKey('HS512');
    expect(key.getPublicJwk()).toBeNull();
    expect(key.isSymmetric).toBe(true);
  });

  it('puts only public members in the public JWK', async () => {
    const key = await generateSigningKey('RS256');
    const jwk = key.getPublicJwk() ?? {};
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });
});

describe('importSigningKey', () => {
  it('round-trips an exported private JWK', async () => {
    const key = await generateSigningKey('ES256');
    const again = importSigningKey(key.exportPrivateJwk());
    expect(again.kid).toBe(key.kid);
    expect(again.alg).toBe('ES256');
    expect(key.verificationKey.verifySignature('x', again.sign(Buffer.from('x')))).toBe(true);
  });

  it('imports a PKCS#8 PEM and binds RSA keys to the named algorithm only', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(importSigningKey(pem, { alg: 'PS256' }).alg).toBe('PS256');
    expect(() => importSigningKey(pem)).toThrow(KeyError);
  });

  it('refuses a key of the wrong type for the algorithm', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => importSigningKey(pem, { alg: 'ES256' })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_ALG_MISMATCH' }) as Error,
    );
    const ed = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => importSigningKey(ed, { alg: 'RS256' })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_ALG_MISMATCH' }) as Error,
    );
  });

  it('refuses RSA keys under 2048 bits', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => importSigningKey(pem, { alg: 'RS256' })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_TOO_WEAK' }) as Error,
    );
  });

  it('refuses a public JWK as a signing key', async () => {
    const key = await generateSigningKey('EdDSA');
    expect(() => importSigningKey(key.getPublicJwk() ?? {})).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }) as Error,
    );
  });

  it('refuses a private JWK with an empty kid', async () => {
    const key = await generateSigningKey('EdDSA');
    expect(() => importSigningKey({ ...key.exportPrivateJwk(), kid: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }) as Error,
    );
  });

  it('refuses a JWK whose alg disagrees with the requested one', async () => {
    const key = await generateSigningKey('ES256');
    expect(() => importSigningKey(key.exportPrivateJwk(), { alg: 'EdDSA' })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_ALG_MISMATCH' }) as Error,
    );
  });

  it('accepts strong HMAC secrets as bytes or JWK and refuses raw bytes without an HMAC alg', () => {
    const secret = randomBytes(32);
    expect(importSigningKey(secret, { alg: 'HS256' }).alg).toBe('HS256');
    const jwk = { kty: 'oct', k: secret.toString('base64url'), alg: 'HS256' };
    expect(importSigningKey(jwk).alg).toBe('HS256');
    expect(() => importSigningKey(secret)).toThrow(KeyError);
    expect(() => importSigningKey(secret, { alg: 'EdDSA' })).toThrow(KeyError);
  });
});
