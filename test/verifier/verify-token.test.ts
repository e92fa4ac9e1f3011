import fc from 'fast-check';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/keys/generate-signing-key.js';
import type { SigningKey } from '../../src/keys/signing-key.js';
import { createVerifier, type Verifier } from '../../src/verifier/create-verifier.js';
import type { VerifierOptions } from '../../src/verifier/verifier-options.js';
import { forgeJws, TestClock } from '../support/forge.js';
import { AUDIENCE, ISSUER, NOW, NOW_MS, signer, token } from '../support/jwt-fixture.js';

// The verifier keeps the token core's strictness and codes: each rule refuses with its own
// code, `typ` is checked unless turned off in so many words, and its verdicts agree with jose
// configured the same way.

let ed: SigningKey;
let es: SigningKey;
let jwksJson: { keys: unknown[] };
const verifiers: Verifier[] = [];

beforeAll(async () => {
  [ed, es] = await Promise.all([
    generateSigningKey('EdDSA', { kid: 'ed' }),
    generateSigningKey('ES256', { kid: 'es' }),
  ]);
  jwksJson = { keys: [ed.getPublicJwk(), es.getPublicJwk()] };
});
afterAll(async () => {
  await Promise.all(verifiers.map((verifier) => verifier.close()));
});

function make(options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA'],
    jwks: jwksJson,
    revocations: 'none',
    clock: new TestClock(NOW_MS),
    onWarning: () => undefined,
    ...options,
  });
  verifiers.push(verifier);
  return verifier;
}

describe('verify', () => {
  it('accepts a good token and returns its claims and key', () => {
    const result = make().verify(token(ed));
    expect(result).toMatchObject({ ok: true, format: 'jwt', kid: 'ed', stale: false });
    expect(result.ok && result.claims.sub).toBe('user-1');
  });

  it.each([
    [
      'another issuer',
      () => token(ed, { iss: 'https://evil.example.com' }),
      'ERR_JWT_CLAIM_INVALID',
      'iss',
    ],
    ['another audience', () => token(ed, { aud: 'billing' }), 'ERR_JWT_CLAIM_INVALID', 'aud'],
    ['no audience', () => token(ed, { aud: undefined }), 'ERR_JWT_CLAIM_MISSING', 'aud'],
    ['typ JWT', () => token(ed, {}, { typ: 'JWT' }), 'ERR_JWT_TYPE_INVALID', 'typ'],
    ['no typ', () => token(ed, {}, { typ: undefined }), 'ERR_JWT_TYPE_INVALID', 'typ'],
    ['an algorithm outside the allowlist', () => token(es), 'ERR_JWS_ALG_NOT_ALLOWED', 'alg'],
    [
      'alg none',
      () =>
        forgeJws({ alg: 'none', kid: 'ed', typ: 'at+jwt' }, { iss: ISSUER }, () =>
          Buffer.alloc(64),
        ),
      'ERR_JWS_ALG_NOT_ALLOWED',
      'alg',
    ],
    ['an expired token', () => token(ed, { exp: NOW - 60 }), 'ERR_JWT_EXPIRED', 'exp'],
    ['an unknown kid', () => token(ed, {}, { kid: 'other' }), 'ERR_JWS_KEY_NOT_FOUND', 'kid'],
    [
      'a signature by another key',
      () => forgeJws({ alg: 'EdDSA', kid: 'ed', typ: 'at+jwt' }, { iss: ISSUER }, signer(es)),
      'ERR_JWS_SIGNATURE_INVALID',
      undefined,
    ],
  ])('refuses %s with its code', (_name, make_, code, claim) => {
    const result = make().verify(make_());
    expect(result).toMatchObject({ ok: false, code });
    if (claim !== undefined) expect(result).toMatchObject({ claim });
    expect(result.ok || result.reason.length > 0).toBe(true);
  });

  it('refuses a token bound to a key (cnf) unless the caller checks the binding', () => {
    const verifier = make();
    const bound = token(ed, { cnf: { jkt: 'bWFkZS11cC10aHVtYnByaW50LW9mLWEta2V5LTAwMDAw' } });
    expect(verifier.verify(bound)).toMatchObject({
      ok: false,
      code: 'ERR_TOKEN_BOUND',
      claim: 'cnf',
    });
    expect(verifier.verify(bound, { allowBound: true })).toMatchObject({ ok: true });
    // And again from the cache: a hit must not skip the check.
    expect(verifier.verify(bound)).toMatchObject({ ok: false, code: 'ERR_TOKEN_BOUND' });
  });

  it('refuses a token bound to a browser cookie (fgp) unless the caller checks the cookie', () => {
    const verifier = make();
    // OWASP token sidecar: the SHA-256 of an HttpOnly cookie's value, which a script that
    // stole the token cannot send from another browser.
    const bound = token(ed, { fgp: 'Xw2Yl0HnJ1mBXc0oKpI6SIrVtNXbG5a1cVdqRDeEmvk' });
    expect(verifier.verify(bound)).toMatchObject({
      ok: false,
      code: 'ERR_TOKEN_BOUND',
      claim: 'fgp',
    });
    expect(verifier.verify(bound, { allowBound: true })).toMatchObject({ ok: true });
    expect(verifier.verify(bound)).toMatchObject({ ok: false, code: 'ERR_TOKEN_BOUND' });
  });

  it('keeps a verified token, and still refuses it once it expires', () => {
    const clock = new TestClock(NOW_MS);
    const verifier = make({ clock, clockToleranceSeconds: 0 });
    const presented = token(ed, { exp: NOW + 60 });
    const first = verifier.verify(presented);
    const second = verifier.verify(presented);
    expect(first.ok && second.ok).toBe(true);
    // The second answer came from the cache: the very same claims object.
    expect(first.ok && second.ok && first.claims === second.claims).toBe(true);
    clock.advance(61_000);
    expect(verifier.verify(presented)).toMatchObject({ ok: false, code: 'ERR_JWT_EXPIRED' });
  });

  it('verifies every signature again with cache: false', () => {
    const verifier = make({ cache: false });
    const presented = token(ed);
    const first = verifier.verify(presented);
    const second = verifier.verify(presented);
    expect(first.ok && second.ok && first.claims !== second.claims).toBe(true);
  });

  it('checks typ at+jwt when typ is left undefined, and skips it only for typ: false', () => {
    const plain = token(ed, {}, { typ: 'JWT' });
    expect(
      make({ typ: undefined } as unknown as Partial<VerifierOptions>).verify(plain),
    ).toMatchObject({
      code: 'ERR_JWT_TYPE_INVALID',
    });
    expect(make({ typ: false }).verify(plain).ok).toBe(true);
  });

  it('takes a list of audiences', () => {
    const verifier = make({ audience: ['billing', AUDIENCE] });
    expect(verifier.verify(token(ed)).ok).toBe(true);
    expect(verifier.verify(token(ed, { aud: 'shipping' })).ok).toBe(false);
  });

  it('returns a failure, never throws, for input that is not a token', () => {
    const verifier = make();
    for (const input of ['', 'a.b', 'a.b.c', '...', 'x'.repeat(100_000), 42, null]) {
      expect(verifier.verify(input as string)).toMatchObject({ ok: false });
    }
  });
});

describe('unsafe options', () => {
  it('warns for every unsafe option in use, and only for those', () => {
    const warnings: string[] = [];
    const onWarning = (message: string): void => {
      warnings.push(message);
    };
    make({ onWarning });
    expect(warnings).toEqual([expect.stringContaining("revocations: 'none'")]);
    warnings.length = 0;
    make({ onWarning, allowInsecureHttp: true });
    expect(warnings).toEqual([
      expect.stringContaining('allowInsecureHttp'),
      expect.stringContaining("revocations: 'none'"),
    ]);
  });
});

describe('agreement with jose', () => {
  it('accepts and refuses the same tokens as jose configured alike', async () => {
    const verifier = make();
    const keys = createLocalJWKSet(jwksJson as Parameters<typeof createLocalJWKSet>[0]);
    const variant = fc.record({
      exp: fc.option(fc.integer({ min: -200, max: 200 }), { nil: undefined }),
      nbf: fc.option(fc.integer({ min: -200, max: 200 }), { nil: undefined }),
      iss: fc.constantFrom(ISSUER, 'https://other.example.com'),
      aud: fc.constantFrom<unknown>(AUDIENCE, [AUDIENCE, 'x'], 'x', ['x', 'y']),
      typ: fc.constantFrom('at+jwt', 'application/at+jwt', 'AT+JWT', 'JWT', undefined),
      key: fc.constantFrom(ed, es),
      kid: fc.constantFrom('ed', 'es', 'unknown'),
    });
    await fc.assert(
      fc.asyncProperty(variant, async (v) => {
        const jwt = forgeJws(
          { alg: v.key.alg, kid: v.kid, ...(v.typ === undefined ? {} : { typ: v.typ }) },
          {
            iss: v.iss,
            aud: v.aud,
            sub: 'user-1',
            iat: NOW - 300,
            ...(v.exp === undefined ? {} : { exp: NOW + v.exp }),
            ...(v.nbf === undefined ? {} : { nbf: NOW + v.nbf }),
          },
          signer(v.key),
        );
        const ours = verifier.verify(jwt).ok;
        const theirs = await jwtVerify(jwt, keys, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['EdDSA'],
          typ: 'at+jwt',
          requiredClaims: ['exp'],
          clockTolerance: 30,
          currentDate: new Date(NOW_MS),
        }).then(
          () => true,
          () => false,
        );
        expect(ours).toBe(theirs);
      }),
      { numRuns: 300 },
    );
  });
});
