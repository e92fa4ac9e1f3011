import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from './generate-signing-key.js';
import { importJwks } from './import-jwks.js';
import { KeyRing } from './key-ring.js';
import type { SigningKey } from './signing-key.js';

let ed: SigningKey;
let es: SigningKey;
let rs: SigningKey;

beforeAll(async () => {
  [ed, es, rs] = await Promise.all([
    generateSigningKey('EdDSA'),
    generateSigningKey('ES256'),
    generateSigningKey('RS256'),
  ]);
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('importJwks', () => {
  it('imports the public keys a key ring publishes, bound to their algorithms', () => {
    const ring = new KeyRing(ed);
    ring.rotate(es, { overlapSeconds: 60, prepublishSeconds: 60 });
    const keys = importJwks(ring.toJwks(), ['EdDSA', 'ES256']);
    expect(keys.find(ed.kid)?.alg).toBe('EdDSA');
    expect(keys.find(es.kid)?.alg).toBe('ES256');
  });

  it('keeps only keys of allowlisted algorithms and signature use', () => {
    const jwks = {
      keys: [
        ed.getPublicJwk(),
        es.getPublicJwk(),
        { ...rs.getPublicJwk(), use: 'enc', kid: 'enc' },
      ],
    };
    const keys = importJwks(jwks, ['EdDSA']);
    expect(keys.list().map((key) => key.kid)).toEqual([ed.kid]);
  });

  it('binds a key without alg only when one allowlisted algorithm fits it', () => {
    const rsaWithoutAlg = Object.fromEntries(
      Object.entries(rs.getPublicJwk() ?? {}).filter(([member]) => member !== 'alg'),
    );
    expect(importJwks({ keys: [rsaWithoutAlg] }, ['RS256']).find(rs.kid)?.alg).toBe('RS256');
    expect(importJwks({ keys: [rsaWithoutAlg] }, ['RS256', 'PS256']).size).toBe(0);
  });

  it.each([
    ['not an object', 'keys'],
    ['no keys array', { keys: 'x' }],
    ['an entry that is not an object', { keys: [1] }],
    ['too many keys', { keys: Array.from({ length: 101 }, () => ({ kty: 'OKP' })) }],
  ])('refuses a JWKS with %s', (_name, jwks) => {
    expect(code(() => importJwks(jwks, ['EdDSA']))).toBe('ERR_JWKS_INVALID');
  });

  it('refuses a JWKS that leaks private or symmetric keys', () => {
    expect(code(() => importJwks({ keys: [ed.exportPrivateJwk()] }, ['EdDSA']))).toBe(
      'ERR_JWKS_INVALID',
    );
    expect(code(() => importJwks({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, ['HS256']))).toBe(
      'ERR_JWKS_INVALID',
    );
  });

  it('refuses a JWKS with a broken key or a duplicate kid', () => {
    const broken = { ...ed.getPublicJwk(), x: 'AAAA' };
    expect(code(() => importJwks({ keys: [broken] }, ['EdDSA']))).toBe('ERR_JWKS_INVALID');
    const jwk = ed.getPublicJwk();
    expect(code(() => importJwks({ keys: [jwk, jwk] }, ['EdDSA']))).toBe('ERR_JWKS_INVALID');
  });
});
