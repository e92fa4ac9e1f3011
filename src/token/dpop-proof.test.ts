import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDpopKey, createProof, type ProofInput } from '../../test/server/dpop-client.js';
import {
  computeAccessTokenHash,
  DpopProofVerifier,
  normaliseHtu,
  type DpopProofRequest,
} from './dpop-proof.js';
import { TokenError } from './errors.js';
import type { Jwk } from './jwk.js';

// RFC 9449 §4.3: every check of a DPoP proof, each with a test that fails without it.

const NOW = 1_800_000_000;
const clock = { now: () => NOW * 1000 };
const URL_ = 'https://as.example/oauth/token';
const key = createDpopKey('EdDSA');
const verifier = new DpopProofVerifier({ clock, maxAgeSeconds: 60, clockToleranceSeconds: 5 });

const proof = (input: Partial<ProofInput> = {}, signer = key): string =>
  createProof(signer, { method: 'POST', url: URL_, iat: NOW, ...input });

function codeOf(request: Partial<DpopProofRequest> & { proof: string }): string | undefined {
  try {
    verifier.verify({ method: 'POST', url: URL_, ...request });
  } catch (error) {
    if (error instanceof TokenError) return error.code;
    throw error;
  }
  return undefined;
}

describe('DpopProofVerifier accepts', () => {
  it.each(['EdDSA', 'ES256', 'PS256', 'RS256'] as const)(
    'a proof signed with %s and returns the key thumbprint',
    (alg) => {
      const signer = createDpopKey(alg);
      const result = verifier.verify({ proof: proof({}, signer), method: 'POST', url: URL_ });
      expect(result.jkt).toBe(signer.jkt);
      expect(result.alg).toBe(alg);
      expect(result.iat).toBe(NOW);
      expect(result.replayExpiresAt).toBe((NOW + 65) * 1000);
    },
  );

  it('a proof with the ath of the presented token and the expected key', () => {
    const result = verifier.verify({
      proof: proof({ accessToken: 'tok.en.x' }),
      method: 'POST',
      url: URL_,
      accessToken: 'tok.en.x',
      expectedJkt: key.jkt,
    });
    expect(result.jkt).toBe(key.jkt);
  });

  it('an htu that differs only in what normalisation removes', () => {
    const url = 'HTTPS://AS.Example:443/a/../oauth/%74oken?x=1#frag';
    expect(codeOf({ proof: proof({ url }) })).toBeUndefined();
    expect(codeOf({ proof: proof(), url: 'https://as.example/oauth/token?y=2' })).toBeUndefined();
  });

  it('a request whose query string is longer than any htu may be', () => {
    const url = `${URL_}?q=${'a'.repeat(8000)}`;
    expect(codeOf({ proof: proof(), url })).toBeUndefined();
  });

  it('a proof as old as the window plus tolerance, and one slightly ahead', () => {
    expect(codeOf({ proof: proof({ iat: NOW - 65 }) })).toBeUndefined();
    expect(codeOf({ proof: proof({ iat: NOW + 5 }) })).toBeUndefined();
  });

  it('a current nonce when the server requires one', () => {
    const result = verifier.verify({
      proof: proof({ nonce: 'n-1' }),
      method: 'POST',
      url: URL_,
      isNonceValid: (nonce) => nonce === 'n-1',
    });
    expect(result.nonce).toBe('n-1');
  });

  it('gives each (key, jti) its own replay key', () => {
    const a = verifier.verify({
      proof: proof({ claims: { jti: 'same' } }),
      method: 'POST',
      url: URL_,
    });
    const other = createDpopKey('EdDSA');
    const b = verifier.verify({
      proof: proof({ claims: { jti: 'same' } }, other),
      method: 'POST',
      url: URL_,
    });
    expect(a.replayKey).not.toBe(b.replayKey);
    expect(a.jti).toBe('same');
  });
});

describe('DpopProofVerifier refuses', () => {
  const edPrivate = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Jwk;
  const ecKey = createDpopKey('ES256');

  it.each<[string, Partial<ProofInput>, string]>([
    ['typ JWT', { header: { typ: 'JWT' } }, 'ERR_DPOP_TYPE_INVALID'],
    ['no typ', { header: { typ: undefined } }, 'ERR_DPOP_TYPE_INVALID'],
    ['typ at+jwt', { header: { typ: 'at+jwt' } }, 'ERR_DPOP_TYPE_INVALID'],
    ['alg none', { header: { alg: 'none' } }, 'ERR_DPOP_ALG_NOT_ALLOWED'],
    ['alg HS256', { header: { alg: 'HS256' } }, 'ERR_DPOP_ALG_NOT_ALLOWED'],
    ['no alg', { header: { alg: undefined } }, 'ERR_DPOP_ALG_NOT_ALLOWED'],
    ['no jwk', { header: { jwk: undefined } }, 'ERR_DPOP_JWK_INVALID'],
    ['a jwk that is a string', { header: { jwk: 'key' } }, 'ERR_DPOP_JWK_INVALID'],
    ['a private jwk (d)', { header: { jwk: edPrivate } }, 'ERR_DPOP_JWK_INVALID'],
    ...(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const).map(
      (member): [string, Partial<ProofInput>, string] => [
        `a jwk with private member ${member}`,
        { header: { jwk: { ...key.publicJwk, [member]: 'AAAA' } } },
        'ERR_DPOP_JWK_INVALID',
      ],
    ),
    ['a jwk whose kty does not fit alg', { header: { alg: 'ES256' } }, 'ERR_DPOP_JWK_INVALID'],
    [
      'a jwk that is not a key',
      { header: { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AA' } } },
      'ERR_DPOP_JWK_INVALID',
    ],
    ['a jku', { header: { jku: 'https://evil.example/jwks' } }, 'ERR_DPOP_PROOF_MALFORMED'],
    ['an x5c', { header: { x5c: ['MIIB'] } }, 'ERR_DPOP_PROOF_MALFORMED'],
    ['crit', { header: { crit: ['exp'] } }, 'ERR_DPOP_PROOF_MALFORMED'],
    ['a broken signature', { signature: 'broken' }, 'ERR_DPOP_SIGNATURE_INVALID'],
    ['no jti', { claims: { jti: undefined } }, 'ERR_DPOP_CLAIM_MISSING'],
    ['an empty jti', { claims: { jti: '' } }, 'ERR_DPOP_CLAIM_INVALID'],
    ['a huge jti', { claims: { jti: 'j'.repeat(300) } }, 'ERR_DPOP_CLAIM_INVALID'],
    ['no htm', { claims: { htm: undefined } }, 'ERR_DPOP_CLAIM_MISSING'],
    ['another method', { method: 'GET' }, 'ERR_DPOP_HTM_MISMATCH'],
    ['a lower-case method', { method: 'post' }, 'ERR_DPOP_HTM_MISMATCH'],
    ['no htu', { claims: { htu: undefined } }, 'ERR_DPOP_CLAIM_MISSING'],
    ['another path', { url: 'https://as.example/oauth/revoke' }, 'ERR_DPOP_HTU_MISMATCH'],
    ['another host', { url: 'https://evil.example/oauth/token' }, 'ERR_DPOP_HTU_MISMATCH'],
    ['another scheme', { url: 'http://as.example/oauth/token' }, 'ERR_DPOP_HTU_MISMATCH'],
    ['another port', { url: 'https://as.example:8443/oauth/token' }, 'ERR_DPOP_HTU_MISMATCH'],
    ['a relative htu', { url: '/oauth/token' }, 'ERR_DPOP_HTU_MISMATCH'],
    ['no iat', { claims: { iat: undefined } }, 'ERR_DPOP_CLAIM_MISSING'],
    ['a string iat', { claims: { iat: String(NOW) } }, 'ERR_DPOP_CLAIM_INVALID'],
    ['an old proof', { iat: NOW - 66 }, 'ERR_DPOP_IAT_INVALID'],
    ['a proof from the future', { iat: NOW + 6 }, 'ERR_DPOP_IAT_INVALID'],
    ['an ath at the token endpoint', { accessToken: 'x' }, 'ERR_DPOP_CLAIM_INVALID'],
    ['a numeric nonce', { claims: { nonce: 5 } }, 'ERR_DPOP_CLAIM_INVALID'],
  ])('%s', (_name, input, expected) => {
    expect(codeOf({ proof: proof(input) })).toBe(expected);
  });

  it('a P-256 proof whose jwk is on another curve', () => {
    const p384 = createProof(ecKey, {
      method: 'POST',
      url: URL_,
      iat: NOW,
      header: { jwk: { ...ecKey.publicJwk, crv: 'P-384' } },
    });
    expect(codeOf({ proof: p384 })).toBe('ERR_DPOP_JWK_INVALID');
  });

  it('an HMAC proof with the secret as a symmetric jwk', () => {
    const secret = Buffer.alloc(32, 7);
    const header = {
      typ: 'dpop+jwt',
      alg: 'HS256',
      jwk: { kty: 'oct', k: secret.toString('base64url') },
    };
    const claims = { jti: 'x', htm: 'POST', htu: URL_, iat: NOW };
    const input = `${enc(header)}.${enc(claims)}`;
    const mac = createHmac('sha256', secret).update(input).digest('base64url');
    expect(codeOf({ proof: `${input}.${mac}` })).toBe('ERR_DPOP_ALG_NOT_ALLOWED');
    // Even with HS256 "allowed" it could not get in: the constructor refuses it.
    expect(() => new DpopProofVerifier({ algorithms: ['HS256' as 'EdDSA'] })).toThrow(TypeError);
  });

  it('an unsigned proof (alg none, empty signature)', () => {
    const input = `${enc({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk })}.${enc({ jti: 'x', htm: 'POST', htu: URL_, iat: NOW })}`;
    expect(codeOf({ proof: `${input}.` })).toBe('ERR_DPOP_PROOF_MALFORMED');
  });

  it('a proof signed by another key than the jwk it carries', () => {
    const other = createDpopKey('EdDSA');
    const forged = proof({ header: { jwk: key.publicJwk } }, other);
    expect(codeOf({ proof: forged })).toBe('ERR_DPOP_SIGNATURE_INVALID');
  });

  it('an algorithm left out of the allowlist', () => {
    const onlyEd = new DpopProofVerifier({ clock, algorithms: ['EdDSA'] });
    expect(() => onlyEd.verify({ proof: proof({}, ecKey), method: 'POST', url: URL_ })).toThrow(
      expect.objectContaining({ code: 'ERR_DPOP_ALG_NOT_ALLOWED' }) as Error,
    );
  });

  it('a valid proof from another key than the token is bound to', () => {
    const other = createDpopKey('EdDSA');
    expect(codeOf({ proof: proof({}, other), expectedJkt: key.jkt })).toBe('ERR_DPOP_KEY_MISMATCH');
  });

  it('a missing or wrong ath when an access token is presented', () => {
    expect(codeOf({ proof: proof(), accessToken: 'a.b.c' })).toBe('ERR_DPOP_CLAIM_MISSING');
    expect(codeOf({ proof: proof({ accessToken: 'a.b.d' }), accessToken: 'a.b.c' })).toBe(
      'ERR_DPOP_ATH_MISMATCH',
    );
    expect(computeAccessTokenHash('a.b.c')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a missing or stale nonce when the server requires one', () => {
    const isNonceValid = (nonce: string): boolean => nonce === 'current';
    expect(codeOf({ proof: proof(), isNonceValid })).toBe('ERR_DPOP_NONCE_INVALID');
    expect(codeOf({ proof: proof({ nonce: 'old' }), isNonceValid })).toBe('ERR_DPOP_NONCE_INVALID');
  });

  it.each([
    ['not a string', 42],
    ['two segments', 'a.b'],
    ['padding', `${proof()}=`],
    ['whitespace', ` ${proof()}`],
    ['two proofs joined by a comma', `${proof()}, ${proof()}`],
    ['a header that is not JSON', `bm90IGpzb24.${proof().split('.')[1] ?? ''}.AAAA`],
    ['a JSON array header', `${enc([1])}.${enc({})}.AAAA`],
  ])('a malformed proof: %s', (_name, value) => {
    expect(codeOf({ proof: value as string })).toBe('ERR_DPOP_PROOF_MALFORMED');
  });

  it('an oversized proof before decoding it', () => {
    const big = proof({ claims: { pad: 'x'.repeat(9000) } });
    expect(codeOf({ proof: big })).toBe('ERR_DPOP_PROOF_TOO_LARGE');
  });

  it('unsafe options at construction', () => {
    expect(() => new DpopProofVerifier({ maxAgeSeconds: 0 })).toThrow(TypeError);
    expect(() => new DpopProofVerifier({ clockToleranceSeconds: 301 })).toThrow(TypeError);
    expect(() => new DpopProofVerifier({ algorithms: [] })).toThrow(TypeError);
  });
});

describe('DpopProofVerifier, for a request path longer than any htu may be', () => {
  it('refuses with a DPoP code, never a TypeError', () => {
    const url = `https://as.example/${'a'.repeat(5000)}`;
    expect(codeOf({ proof: proof({ url }), url })).toBe('ERR_DPOP_HTU_MISMATCH');
  });
});

describe('normaliseHtu', () => {
  it.each([
    ['HTTPS://Server.EXAMPLE/token', 'https://server.example/token'],
    ['https://server.example:443/token', 'https://server.example/token'],
    ['http://server.example:80/token', 'http://server.example/token'],
    ['http://server.example:8080/token', 'http://server.example:8080/token'],
    ['https://server.example', 'https://server.example/'],
    ['https://server.example/a/./b/../token', 'https://server.example/a/token'],
    ['https://server.example/%7Euser/%2f', 'https://server.example/~user/%2F'],
    ['https://server.example/token?query=1#fragment', 'https://server.example/token'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseHtu(input)).toBe(expected);
  });

  it.each(['/token', 'ftp://server.example/token', 'https://user:pw@server.example/', 'not a url'])(
    'refuses %s',
    (input) => {
      expect(normaliseHtu(input)).toBeNull();
    },
  );
});

function enc(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
