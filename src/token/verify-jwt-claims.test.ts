import { beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/forge.js';
import {
  AUDIENCE,
  ISSUER,
  loadKeys,
  NOW,
  NOW_MS,
  reject,
  token,
  verifier,
} from '../../test/support/jwt-fixture.js';
import type { SigningKey } from '../keys/signing-key.js';
import { KeySet } from './key-set.js';
import { JwtVerifier, type JwtVerifierOptions } from './verify-jwt.js';

let ed: SigningKey;
let es: SigningKey;

beforeAll(async () => {
  ({ ed, es } = await loadKeys());
});

describe('JwtVerifier checks the type (RFC 8725 §3.11, RFC 9068 §4)', () => {
  it.each([
    ['a missing typ', undefined],
    ['typ JWT', 'JWT'],
    ['typ dpop+jwt', 'dpop+jwt'],
    ['typ application/jwt', 'application/jwt'],
  ])('refuses %s where at+jwt is expected', (_name, typ) => {
    const error = reject(verifier([ed]), token(ed, {}, { typ }));
    expect(error.code).toBe('ERR_JWT_TYPE_INVALID');
  });

  it('checks a caller-chosen typ, and skips the check only when told with typ: false', () => {
    expect(verifier([ed], { typ: 'JWT' }).verify(token(ed, {}, { typ: 'jwt' })).claims.sub).toBe(
      'user-1',
    );
    expect(reject(verifier([ed], { typ: 'JWT' }), token(ed)).code).toBe('ERR_JWT_TYPE_INVALID');
    expect(
      verifier([ed], { typ: false }).verify(token(ed, {}, { typ: undefined })).claims.sub,
    ).toBe('user-1');
  });
});

describe('JwtVerifier checks the issuer and audience', () => {
  it.each([
    ['a trailing slash', `${ISSUER}/`],
    ['another letter case', ISSUER.toUpperCase()],
    ['another issuer', 'https://evil.example.com'],
    ['a non-string', 42],
    ['an array holding the issuer', [ISSUER]],
  ])('refuses an iss with %s', (_name, iss) => {
    const error = reject(verifier([ed]), token(ed, { iss }));
    expect([error.code, error.claim]).toEqual(['ERR_JWT_CLAIM_INVALID', 'iss']);
  });

  it('refuses a token with no iss', () => {
    const error = reject(verifier([ed]), token(ed, { iss: undefined }));
    expect([error.code, error.claim]).toEqual(['ERR_JWT_CLAIM_MISSING', 'iss']);
  });

  it.each([
    ['another audience', 'billing'],
    ['an array without the audience', ['billing', 'ledger']],
    ['an empty array', []],
    ['a prefix of the audience', AUDIENCE.slice(0, 3)],
    ['an array with a non-string member', [AUDIENCE, 7]],
    ['a number', 1],
  ])('refuses an aud that is %s', (_name, aud) => {
    const error = reject(verifier([ed]), token(ed, { aud }));
    expect([error.code, error.claim]).toEqual(['ERR_JWT_CLAIM_INVALID', 'aud']);
  });

  it('refuses a token with no aud', () => {
    const error = reject(verifier([ed]), token(ed, { aud: undefined }));
    expect([error.code, error.claim]).toEqual(['ERR_JWT_CLAIM_MISSING', 'aud']);
  });

  it('accepts any of several expected audiences', () => {
    const v = verifier([ed], { audience: ['billing', AUDIENCE] });
    expect(v.verify(token(ed)).claims.aud).toBe(AUDIENCE);
  });
});

describe('JwtVerifier checks times with a bounded clock tolerance', () => {
  it('requires exp', () => {
    const error = reject(verifier([ed]), token(ed, { exp: undefined }));
    expect([error.code, error.claim]).toEqual(['ERR_JWT_CLAIM_MISSING', 'exp']);
  });

  it.each([
    ['a string', String(NOW + 60)],
    ['NaN-like null', null],
    ['a negative number', -1],
  ])('refuses exp that is %s', (_name, exp) => {
    expect(reject(verifier([ed]), token(ed, { exp })).code).toBe('ERR_JWT_CLAIM_INVALID');
  });

  it('accepts a token expired within the tolerance and refuses one just past it', () => {
    const v = verifier([ed]);
    expect(v.verify(token(ed, { exp: NOW - 29 })).claims.sub).toBe('user-1');
    expect(reject(v, token(ed, { exp: NOW - 30 })).code).toBe('ERR_JWT_EXPIRED');
    expect(reject(verifier([ed], { clockToleranceSeconds: 0 }), token(ed, { exp: NOW })).code).toBe(
      'ERR_JWT_EXPIRED',
    );
  });

  it('refuses a token that is not valid yet (nbf)', () => {
    const v = verifier([ed]);
    expect(v.verify(token(ed, { nbf: NOW + 29 })).claims.sub).toBe('user-1');
    const error = reject(v, token(ed, { nbf: NOW + 31 }));
    expect([error.code, error.claim]).toEqual(['ERR_JWT_NOT_YET_VALID', 'nbf']);
    expect(reject(v, token(ed, { nbf: 'soon' })).code).toBe('ERR_JWT_CLAIM_INVALID');
  });

  it('refuses a token issued in the future (iat)', () => {
    const v = verifier([ed]);
    expect(v.verify(token(ed, { iat: NOW + 29 })).claims.sub).toBe('user-1');
    const error = reject(v, token(ed, { iat: NOW + 31 }));
    expect([error.code, error.claim]).toEqual(['ERR_JWT_CLAIM_INVALID', 'iat']);
  });

  it('enforces a maximum token age when asked, and then requires iat', () => {
    const v = verifier([ed], { maxTokenAgeSeconds: 300, clockToleranceSeconds: 0 });
    expect(v.verify(token(ed, { iat: NOW - 300 })).claims.sub).toBe('user-1');
    expect(reject(v, token(ed, { iat: NOW - 301 })).code).toBe('ERR_JWT_TOO_OLD');
    const error = reject(v, token(ed, { iat: undefined }));
    expect([error.code, error.claim]).toEqual(['ERR_JWT_CLAIM_MISSING', 'iat']);
  });

  it('follows the injected clock', () => {
    const clock = new TestClock(NOW_MS);
    const v = verifier([ed], {}, clock);
    const jwt = token(ed, { exp: NOW + 60 });
    expect(v.verify(jwt).claims.sub).toBe('user-1');
    clock.advance(90_000);
    expect(reject(v, jwt).code).toBe('ERR_JWT_EXPIRED');
  });
});

describe('JwtVerifier checks claim types and required claims', () => {
  it.each(['sub', 'jti', 'client_id', 'scope', 'sid'])('refuses a non-string %s', (claim) => {
    const error = reject(verifier([ed]), token(ed, { [claim]: 12 }));
    expect([error.code, error.claim]).toEqual(['ERR_JWT_CLAIM_INVALID', claim]);
  });

  it('refuses a token missing a claim the caller requires', () => {
    const v = verifier([ed], { requiredClaims: ['sub', 'sid'] });
    const error = reject(v, token(ed));
    expect([error.code, error.claim]).toEqual(['ERR_JWT_CLAIM_MISSING', 'sid']);
    expect(v.verify(token(ed, { sid: 's1' })).claims.sid).toBe('s1');
  });
});

describe('JwtVerifier options', () => {
  const base = (): JwtVerifierOptions => ({
    keys: new KeySet([]),
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA'],
  });

  it.each([
    ['no issuer', { issuer: undefined }],
    ['an empty issuer', { issuer: '' }],
    ['no audience', { audience: undefined }],
    ['an empty audience list', { audience: [] }],
    ['no algorithms', { algorithms: undefined }],
    ['an empty allowlist', { algorithms: [] }],
    ['none in the allowlist', { algorithms: ['none'] }],
    ['an unknown algorithm', { algorithms: ['HS1'] }],
    ['no keys', { keys: undefined }],
    ['a clock tolerance over 5 minutes', { clockToleranceSeconds: 301 }],
    ['a negative clock tolerance', { clockToleranceSeconds: -1 }],
    ['a tiny size limit', { maxTokenBytes: 10 }],
    ['a zero cache', { cache: { maxEntries: 0 } }],
  ])('refuse %s with a TypeError', (_name, override) => {
    expect(
      () => new JwtVerifier({ ...base(), ...override } as unknown as JwtVerifierOptions),
    ).toThrow(TypeError);
  });

  it('are frozen after construction', () => {
    const v = new JwtVerifier(base());
    expect(Object.isFrozen(v)).toBe(true);
  });
});

describe('JwtVerifier revocation hook and verified-token cache', () => {
  function countingKeys(key: SigningKey): { keys: KeySet; calls: () => number } {
    let calls = 0;
    const inner = key.verificationKey;
    const counted = {
      ...inner,
      verifySignature: (data: string, signature: Buffer) => {
        calls++;
        return inner.verifySignature(data, signature);
      },
    };
    return { keys: new KeySet([counted]), calls: () => calls };
  }

  it('rejects a token the hook reports revoked', () => {
    const revoked = new Set(['jti-1']);
    const v = verifier([ed], { isRevoked: (claims) => revoked.has(claims.jti ?? '') });
    expect(reject(v, token(ed)).code).toBe('ERR_JWT_REVOKED');
    expect(v.verify(token(ed, { jti: 'jti-2' })).claims.jti).toBe('jti-2');
  });

  it('serves hits without a signature check, but still checks exp and revocation', () => {
    const { keys, calls } = countingKeys(ed);
    const clock = new TestClock(NOW_MS);
    let revoked = false;
    const v = verifier([ed], { keys, cache: { maxEntries: 10 }, isRevoked: () => revoked }, clock);
    const jwt = token(ed, { exp: NOW + 60 });
    v.verify(jwt);
    v.verify(jwt);
    expect(calls()).toBe(1);
    revoked = true;
    expect(reject(v, jwt).code).toBe('ERR_JWT_REVOKED');
    revoked = false;
    clock.advance(120_000);
    expect(reject(v, jwt).code).toBe('ERR_JWT_EXPIRED');
    expect(calls()).toBe(1);
  });

  it('is never filled by a failed verification', () => {
    const { keys, calls } = countingKeys(ed);
    let revoked = true;
    const v = verifier([ed], { keys, cache: { maxEntries: 10 }, isRevoked: () => revoked });
    const jwt = token(ed);
    expect(reject(v, jwt).code).toBe('ERR_JWT_REVOKED');
    revoked = false;
    v.verify(jwt);
    expect(calls()).toBe(2);
  });

  it('misses when the key set changed (rotation or key revocation)', () => {
    let current = new KeySet([ed.verificationKey]);
    const v = verifier([ed], { keys: { getKeySet: () => current }, cache: { maxEntries: 10 } });
    const jwt = token(ed);
    v.verify(jwt);
    current = new KeySet([es.verificationKey]);
    expect(reject(v, jwt).code).toBe('ERR_JWS_KEY_NOT_FOUND');
  });

  it('stays within its bound and returns frozen results', () => {
    const { keys, calls } = countingKeys(ed);
    const v = verifier([ed], { keys, cache: { maxEntries: 2 } });
    const tokens = ['a', 'b', 'c'].map((jti) => token(ed, { jti }));
    for (const jwt of tokens) v.verify(jwt);
    const [first, , last] = tokens;
    expect(Object.isFrozen(v.verify(last ?? '').claims)).toBe(true);
    expect(calls()).toBe(3);
    v.verify(first ?? '');
    expect(calls()).toBe(4);
  });
});
