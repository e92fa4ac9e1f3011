import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { CompactEncrypt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from './base64url.js';
import { encryptJwt } from './encrypted-token.js';
import { TokenError } from './errors.js';
import { JweDecrypter, type JweDecrypterOptions } from './jwe-decrypter.js';
import type { Jwk } from './jwk.js';
import { NestedJwtVerifier } from './nested-jwt-verifier.js';
import { loadKeys, NOW, token, verifier, type TestKeys } from '../../test/support/jwt-fixture.js';

// Nested JWTs (RFC 7519 §5.2): signed by the issuer, then encrypted for one audience. The
// envelope is refused from its header alone whenever it is not what the audience configured;
// the JWS inside meets the same verifier as a plain token.

let keys: TestKeys;
let ecPrivate: Jwk;
let ecPublic: Jwk;
let rsaPrivate: Jwk;
let rsaPublic: Jwk;
let xPrivate: Jwk;
let xPublic: Jwk;

function pair(kind: 'ec' | 'rsa' | 'x25519', kid: string): [Jwk, Jwk] {
  const { privateKey, publicKey } =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : kind === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('x25519');
  return [
    { ...privateKey.export({ format: 'jwk' }), kid },
    { ...publicKey.export({ format: 'jwk' }), kid },
  ];
}

beforeAll(async () => {
  keys = await loadKeys();
  [ecPrivate, ecPublic] = pair('ec', 'enc-ec');
  [rsaPrivate, rsaPublic] = pair('rsa', 'enc-rsa');
  [xPrivate, xPublic] = pair('x25519', 'enc-x');
});

function nested(options: Partial<JweDecrypterOptions> = {}): NestedJwtVerifier {
  return new NestedJwtVerifier({
    decrypter: new JweDecrypter({ keys: [ecPrivate, rsaPrivate, xPrivate], ...options }),
    verifier: verifier([keys.ed]),
  });
}

async function rejection(run: Promise<unknown>): Promise<TokenError> {
  const error: unknown = await run.then(
    () => new Error('token was accepted'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof TokenError)) throw error;
  return error;
}

/** A JWE encrypted for real with any protected header, as a careless or hostile issuer would. */
async function craft(header: Record<string, unknown>, plaintext: string, key: Jwk = ecPublic) {
  const { createPublicKey } = await import('node:crypto');
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader(header as { alg: string; enc: string })
    .encrypt(createPublicKey({ key, format: 'jwk' }));
}

function withoutKid(jwk: Jwk): Jwk {
  const copy: Record<string, unknown> = { ...jwk };
  delete copy['kid'];
  return copy;
}

/** A JWE-shaped token with the given header and random segments: refused before decryption. */
function shaped(header: Record<string, unknown>): string {
  const segment = () => encodeBase64Url(randomBytes(24));
  return [encodeBase64Url(JSON.stringify(header)), segment(), segment(), segment(), segment()].join(
    '.',
  );
}

describe('encryptJwt and NestedJwtVerifier', () => {
  it.each([
    ['ECDH-ES+A256KW with P-256', () => ecPublic],
    ['RSA-OAEP-256', () => rsaPublic],
    ['ECDH-ES+A256KW with X25519', () => xPublic],
  ])('round-trips a signed token encrypted with %s', async (_name, recipient) => {
    const jws = token(keys.ed);
    const jwe = await encryptJwt(jws, recipient());
    expect(jwe.split('.')).toHaveLength(5);
    const header = JSON.parse(Buffer.from(jwe.split('.')[0] ?? '', 'base64url').toString()) as {
      cty: string;
      enc: string;
      kid: string;
    };
    expect(header).toMatchObject({ cty: 'JWT', enc: 'A256GCM', kid: recipient().kid });
    // The payload is not readable from the token any more.
    expect(jwe).not.toContain(jws.split('.')[1]);
    const { claims } = await nested().verifyAsync(jwe);
    expect(claims.sub).toBe('user-1');
  });

  it('keeps the inner verifier codes for what is inside', async () => {
    const expired = await encryptJwt(token(keys.ed, { exp: NOW - 600 }), ecPublic);
    expect((await rejection(nested().verifyAsync(expired))).code).toBe('ERR_JWT_EXPIRED');
    const foreign = await encryptJwt(token(keys.es), ecPublic);
    expect((await rejection(nested().verifyAsync(foreign))).code).toBe('ERR_JWS_ALG_NOT_ALLOWED');
    const audience = await encryptJwt(token(keys.ed, { aud: 'billing' }), ecPublic);
    expect((await rejection(nested().verifyAsync(audience))).code).toBe('ERR_JWT_CLAIM_INVALID');
  });

  it('refuses to encrypt anything but a JWS, or for a key that cannot encrypt', async () => {
    await expect(encryptJwt('{"sub":"x"}', ecPublic)).rejects.toThrow(TypeError);
    const [, signingOnly] = pair('ec', 'sig');
    await expect(encryptJwt(token(keys.ed), { ...signingOnly, use: 'sig' })).rejects.toThrow(
      TypeError,
    );
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      format: 'jwk',
    });
    await expect(encryptJwt(token(keys.ed), weak)).rejects.toThrow(/2048/);
  });
});

describe('refusals, each with its code', () => {
  const jws = () => token(keys.ed);
  it.each<[string, () => Promise<string> | string, string, string | undefined]>([
    [
      'RSA1_5',
      () => shaped({ alg: 'RSA1_5', enc: 'A256GCM', cty: 'JWT' }),
      'ERR_JWE_ALG_NOT_ALLOWED',
      'alg',
    ],
    [
      'dir when not configured',
      () => shaped({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' }),
      'ERR_JWE_ALG_NOT_ALLOWED',
      'alg',
    ],
    [
      'PBES2 when not configured',
      () =>
        shaped({
          alg: 'PBES2-HS512+A256KW',
          enc: 'A256GCM',
          cty: 'JWT',
          p2c: 1000,
          p2s: 'AAAAAAAAAAAAAAAAAAAAAA',
        }),
      'ERR_JWE_ALG_NOT_ALLOWED',
      'alg',
    ],
    ['no alg', () => shaped({ enc: 'A256GCM', cty: 'JWT' }), 'ERR_JWE_ALG_NOT_ALLOWED', 'alg'],
    [
      'A128CBC-HS256',
      () => shaped({ alg: 'ECDH-ES+A256KW', enc: 'A128CBC-HS256', cty: 'JWT' }),
      'ERR_JWE_ENC_NOT_ALLOWED',
      'enc',
    ],
    [
      'A256CBC-HS512 when not listed',
      () => shaped({ alg: 'ECDH-ES+A256KW', enc: 'A256CBC-HS512', cty: 'JWT' }),
      'ERR_JWE_ENC_NOT_ALLOWED',
      'enc',
    ],
    [
      'zip',
      () => craft({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', zip: 'DEF' }, jws()),
      'ERR_JWE_HEADER_INVALID',
      'zip',
    ],
    [
      'crit',
      () => shaped({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', crit: ['exp'], exp: 1 }),
      'ERR_JWE_HEADER_INVALID',
      'crit',
    ],
    [
      'an embedded jwk',
      () => shaped({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', jwk: ecPublic }),
      'ERR_JWE_HEADER_INVALID',
      'jwk',
    ],
    [
      'a jku',
      () =>
        shaped({
          alg: 'ECDH-ES+A256KW',
          enc: 'A256GCM',
          cty: 'JWT',
          jku: 'https://evil.example/jwks',
        }),
      'ERR_JWE_HEADER_INVALID',
      'jku',
    ],
    [
      'no cty',
      () => craft({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'enc-ec' }, jws()),
      'ERR_JWE_CONTENT_INVALID',
      'cty',
    ],
    [
      'cty json',
      () => craft({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'json', kid: 'enc-ec' }, jws()),
      'ERR_JWE_CONTENT_INVALID',
      'cty',
    ],
    [
      'claims instead of a JWS inside',
      () =>
        craft(
          { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: 'enc-ec' },
          '{"sub":"admin"}',
        ),
      'ERR_JWE_CONTENT_INVALID',
      'cty',
    ],
    [
      'an unknown kid',
      () => craft({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: 'nope' }, jws()),
      'ERR_JWE_KEY_NOT_FOUND',
      'kid',
    ],
    [
      'no kid with several keys',
      () => craft({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' }, jws()),
      'ERR_JWE_KEY_NOT_FOUND',
      'kid',
    ],
    [
      'an RSA token for an EC key',
      () =>
        craft({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', kid: 'enc-ec' }, jws(), rsaPublic),
      'ERR_JWE_ALG_NOT_ALLOWED',
      'alg',
    ],
    [
      'a token for another key under our kid',
      () =>
        craft(
          { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: 'enc-ec' },
          jws(),
          pair('ec', 'x')[1],
        ),
      'ERR_JWE_DECRYPTION_FAILED',
      undefined,
    ],
    [
      'a header that is not JSON',
      () => `${encodeBase64Url('{alg')}.AA.AAAA.AAAA.AAAA`,
      'ERR_JWE_MALFORMED',
      undefined,
    ],
    [
      'a header that is an array',
      () => `${encodeBase64Url('[]')}.AA.AAAA.AAAA.AAAA`,
      'ERR_JWE_HEADER_INVALID',
      undefined,
    ],
    [
      'six segments',
      () => `${shaped({ alg: 'ECDH-ES+A256KW' })}.AAAA`,
      'ERR_JWE_MALFORMED',
      undefined,
    ],
    [
      'an empty ciphertext',
      () => shaped({ alg: 'ECDH-ES+A256KW' }).replace(/\.[^.]+\.([^.]+)$/, '..$1'),
      'ERR_JWE_MALFORMED',
      undefined,
    ],
    [
      'an oversized token',
      () => shaped({ alg: 'ECDH-ES+A256KW', pad: 'x'.repeat(20_000) }),
      'ERR_JWE_TOO_LARGE',
      undefined,
    ],
  ])('%s', async (_name, make, code, parameter) => {
    const error = await rejection(nested().verifyAsync(await make()));
    expect(error.code).toBe(code);
    if (parameter !== undefined) expect(error.claim).toBe(parameter);
  });

  it('refuses a tampered ciphertext or tag with one code', async () => {
    const jwe = await encryptJwt(jws(), ecPublic);
    const parts = jwe.split('.');
    for (const index of [2, 3, 4]) {
      const copy = [...parts];
      const segment = copy[index] ?? '';
      copy[index] = (segment[0] === 'A' ? 'B' : 'A') + segment.slice(1);
      const error = await rejection(nested().verifyAsync(copy.join('.')));
      expect(error.code).toBe('ERR_JWE_DECRYPTION_FAILED');
    }
  });
});

describe('opt-in algorithms', () => {
  const secret = { kty: 'oct', k: encodeBase64Url(randomBytes(32)), kid: 'shared' } as const;

  it('accepts dir only when listed, with a key for dir', async () => {
    const jwe = await new CompactEncrypt(new TextEncoder().encode(token(keys.ed)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT', kid: 'shared' })
      .encrypt(Buffer.from(secret.k, 'base64url'));
    const v = nested({ keys: [{ ...secret, alg: 'dir' }], keyAlgorithms: ['dir'] });
    expect((await v.verifyAsync(jwe)).claims.sub).toBe('user-1');
    expect(() => new JweDecrypter({ keys: [{ ...secret, alg: 'dir' }] })).toThrow(/not allowed/);
  });

  it('bounds PBES2 p2c from 1000 to maxPbes2Count', async () => {
    const password = Buffer.from(secret.k, 'base64url');
    const make = (p2c: number) =>
      new CompactEncrypt(new TextEncoder().encode(token(keys.ed)))
        .setProtectedHeader({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', cty: 'JWT' })
        .setKeyManagementParameters({ p2c })
        .encrypt(password);
    const v = nested({
      keys: [{ ...secret, alg: 'PBES2-HS512+A256KW' }],
      keyAlgorithms: ['PBES2-HS512+A256KW'],
      maxPbes2Count: 5000,
    });
    expect((await v.verifyAsync(await make(2000))).claims.sub).toBe('user-1');
    for (const p2c of [999, 5001, 1_000_000]) {
      const error = await rejection(v.verifyAsync(await make(p2c)));
      expect([error.code, error.claim]).toEqual(['ERR_JWE_HEADER_INVALID', 'p2c']);
    }
    expect(() => new JweDecrypter({ keys: [secret], maxPbes2Count: 10_001 })).toThrow(TypeError);
  });

  it('refuses weak, unknown or misused keys and algorithms at construction', () => {
    expect(
      () => new JweDecrypter({ keys: [ecPrivate], keyAlgorithms: ['RSA1_5' as 'dir'] }),
    ).toThrow(/RSA1_5/);
    expect(
      () =>
        new JweDecrypter({ keys: [ecPrivate], contentAlgorithms: ['A128CBC-HS256' as 'A256GCM'] }),
    ).toThrow(TypeError);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      format: 'jwk',
    });
    expect(() => new JweDecrypter({ keys: [weak] })).toThrow(/2048/);
    expect(() => new JweDecrypter({ keys: [{ ...ecPrivate, use: 'sig' }] })).toThrow(TypeError);
    expect(() => new JweDecrypter({ keys: [ecPublic] })).toThrow(TypeError);
  });

  it('refuses RSA decryption keys over 4096 bits: each forged token costs a private-key operation', () => {
    const rsa = (bits: number) =>
      generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ format: 'jwk' });
    expect(() => new JweDecrypter({ keys: [rsa(4096 + 64)] })).toThrow(/4096/);
    expect(() => new JweDecrypter({ keys: [rsa(4096)] })).not.toThrow();
    expect(() => new JweDecrypter({ keys: [withoutKid(ecPrivate), rsaPrivate] })).toThrow(/kid/);
  });
});

describe('properties', () => {
  it('a mutated JWE never verifies, and never fails with anything but a TokenError', async () => {
    const v = nested();
    const jwe = await encryptJwt(token(keys.ed), ecPublic);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('replace' as const),
        at: fc.nat({ max: jwe.length - 1 }),
        char: fc.constantFrom(...Array.from(alphabet)),
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat({ max: jwe.length - 1 }) }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat({ max: jwe.length }),
        char: fc.constantFrom(...Array.from(alphabet)),
      }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const mutated =
          m.kind === 'cut'
            ? jwe.slice(0, m.at) + jwe.slice(m.at + 1)
            : m.kind === 'insert'
              ? jwe.slice(0, m.at) + m.char + jwe.slice(m.at)
              : jwe.slice(0, m.at) + m.char + jwe.slice(m.at + 1);
        fc.pre(mutated !== jwe);
        const error = await rejection(v.verifyAsync(mutated));
        expect(error.code).toMatch(/^ERR_(JWE|JWS)_/);
      }),
      { numRuns: 300 },
    );
  });
});
