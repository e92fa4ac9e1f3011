import { describe, expect, it } from 'vitest';
import { DpopProofVerifier } from '../../token/dpop-proof.js';
import type { JwtClaims } from '../../token/jwt-claims.js';
import type { VerificationResult, Verifier } from '../create-verifier.js';
import { MemoryDpopReplayCache } from '../dpop/memory-dpop-replay-cache.js';
import { ReplayCacheUnavailableError } from '../dpop/dpop-replay-cache.js';
import { parseAuthorization } from './authorization-header.js';
import { createRequestAuthenticator } from './request-authenticator.js';
import { formatChallenge } from './www-authenticate.js';

// Request authentication without any HTTP server: a verifier that answers what the test says,
// so each refusal can be checked for its status, challenge and code.

const CLAIMS: JwtClaims = {
  iss: 'https://as.example',
  aud: 'api',
  exp: 4_000_000_000,
  sub: 'user-1',
  sid: 'session-1',
  client_id: 'web',
  scope: 'orders:read profile',
};

function verifierAnswering(
  answers: Record<string, VerificationResult>,
): Pick<Verifier, 'verifyAsync'> {
  return {
    verifyAsync: (token: string) =>
      Promise.resolve(
        answers[token] ?? {
          ok: false,
          code: 'ERR_JWS_MALFORMED',
          reason: 'not a JWS',
          claim: undefined,
        },
      ),
  };
}

// Built as a variable, so that fields the result gains (`format`) need no change here.
const ok = (claims: JwtClaims): VerificationResult => {
  const result = {
    ok: true as const,
    format: 'jwt' as const,
    claims,
    header: { alg: 'EdDSA' as const, typ: 'at+jwt', kid: 'k' },
    kid: 'k',
    stale: false,
  };
  return result;
};

const verifier = verifierAnswering({
  good: ok(CLAIMS),
  bound: ok({ ...CLAIMS, cnf: { jkt: 'some-thumbprint' } }),
  certificateBound: ok({ ...CLAIMS, cnf: { 'x5t#S256': 'a-certificate-thumbprint' } }),
  expired: { ok: false, code: 'ERR_JWT_EXPIRED', reason: 'expired', claim: 'exp' },
  stale: { ok: false, code: 'ERR_REVOCATIONS_STALE', reason: 'feed down', claim: undefined },
});
const dpop = { proofs: new DpopProofVerifier(), replay: new MemoryDpopReplayCache() };
const auth = createRequestAuthenticator({ verifier, dpop });
const request = (headers: Record<string, string | string[]>) => ({
  method: 'GET',
  url: 'https://api.example/orders',
  headers,
});

describe('parseAuthorization', () => {
  it('reads both schemes case-insensitively and refuses anything else', () => {
    expect(parseAuthorization('bearer abc.def')).toEqual({ scheme: 'Bearer', token: 'abc.def' });
    expect(parseAuthorization('DPOP a+b/c==')).toEqual({ scheme: 'DPoP', token: 'a+b/c==' });
    expect(parseAuthorization(undefined)).toBeNull();
    for (const bad of [
      'Basic YTpi',
      'Bearer',
      'Bearer a b',
      'Bearer a=b',
      'Bearer\ta',
      'Bearer a,',
    ]) {
      expect(parseAuthorization(bad), bad).toBe('malformed');
    }
    expect(parseAuthorization(['Bearer a', 'Bearer b'])).toBe('malformed');
  });
});

describe('formatChallenge', () => {
  it('drops characters that could break out of a quoted value', () => {
    expect(formatChallenge('Bearer', { realm: 'x', error_description: 'a "b" \\ c\r\nd' })).toBe(
      'Bearer realm="x", error_description="a b  cd"',
    );
  });
});

describe('createRequestAuthenticator', () => {
  it('gives the identity of a good bearer token', async () => {
    const result = await auth.authenticate(request({ authorization: 'Bearer good' }));
    expect(result).toMatchObject({
      ok: true,
      token: 'good',
      proof: null,
      identity: {
        sub: 'user-1',
        sid: 'session-1',
        clientId: 'web',
        scopes: ['orders:read', 'profile'],
        jkt: null,
        scheme: 'Bearer',
      },
    });
  });

  it('answers a missing token 401 with a challenge per scheme and no error', async () => {
    const result = await auth.authenticate(request({}));
    expect(result).toMatchObject({
      ok: false,
      status: 401,
      error: null,
      code: 'ERR_AUTH_TOKEN_MISSING',
    });
    if (result.ok) return;
    expect(result.headers['www-authenticate']).toBe(
      'Bearer realm="tessera", DPoP algs="EdDSA ES256 PS256 RS256"',
    );
  });

  it('answers a malformed header 400 invalid_request', async () => {
    const result = await auth.authenticate(request({ authorization: 'Basic YTpi' }));
    expect(result).toMatchObject({
      status: 400,
      error: 'invalid_request',
      code: 'ERR_AUTH_HEADER_MALFORMED',
    });
  });

  it('answers a refused token 401 with the verifier code for logs and a plain description', async () => {
    const expired = await auth.authenticate(request({ authorization: 'Bearer expired' }));
    expect(expired).toMatchObject({ status: 401, error: 'invalid_token', code: 'ERR_JWT_EXPIRED' });
    const garbage = await auth.authenticate(request({ authorization: 'Bearer nope' }));
    expect(garbage).toMatchObject({
      status: 401,
      code: 'ERR_JWS_MALFORMED',
      body: { error: 'invalid_token', error_description: 'the token is not valid' },
    });
  });

  it('answers stale revocations 503 with Retry-After and no challenge', async () => {
    const result = await auth.authenticate(request({ authorization: 'Bearer stale' }));
    expect(result).toMatchObject({ status: 503, error: 'temporarily_unavailable' });
    if (result.ok) return;
    expect(result.headers['retry-after']).toBe('5');
    expect(result.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses a token bound in a way it cannot check (not DPoP)', async () => {
    const result = await auth.authenticate(request({ authorization: 'Bearer certificateBound' }));
    expect(result).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
  });

  it('answers 503, not 401, while the verifier is still loading', async () => {
    const loading = createRequestAuthenticator({
      verifier: {
        ...verifierAnswering({}),
        status: () => ({ ready: false, keyCount: 0, revocations: null }),
      },
      dpop,
    });
    const result = await loading.authenticate(request({ authorization: 'Bearer anything' }));
    expect(result).toMatchObject({ ok: false, status: 503, error: 'temporarily_unavailable' });
  });

  it('refuses a bound token as Bearer, with a DPoP challenge', async () => {
    const result = await auth.authenticate(request({ authorization: 'Bearer bound' }));
    expect(result).toMatchObject({ status: 401, code: 'ERR_AUTH_DPOP_REQUIRED' });
    if (result.ok) return;
    expect(result.headers['www-authenticate']).toMatch(/^DPoP algs="[^"]+", error="invalid_token"/);
  });

  it('refuses a bound token without a proof, or with two', async () => {
    const none = await auth.authenticate(request({ authorization: 'DPoP bound' }));
    expect(none).toMatchObject({ status: 401, error: 'invalid_dpop_proof' });
    const two = await auth.authenticate(
      request({ authorization: 'DPoP bound', dpop: ['a.b.c', 'a.b.c'] }),
    );
    expect(two).toMatchObject({ status: 401, error: 'invalid_dpop_proof' });
  });

  it('refuses an unbound token with the DPoP scheme', async () => {
    const result = await auth.authenticate(request({ authorization: 'DPoP good', dpop: 'a.b.c' }));
    expect(result).toMatchObject({ status: 401, code: 'ERR_AUTH_DPOP_UNBOUND' });
  });

  it('refuses every DPoP request when DPoP is off', async () => {
    const bearerOnly = createRequestAuthenticator({ verifier, dpop: false });
    expect(await bearerOnly.authenticate(request({ authorization: 'DPoP bound' }))).toMatchObject({
      status: 401,
      code: 'ERR_AUTH_DPOP_DISABLED',
    });
    expect(await bearerOnly.authenticate(request({ authorization: 'Bearer bound' }))).toMatchObject(
      {
        status: 401,
        code: 'ERR_AUTH_DPOP_DISABLED',
      },
    );
    const missing = await bearerOnly.authenticate(request({}));
    if (!missing.ok) expect(missing.headers['www-authenticate']).toBe('Bearer realm="tessera"');
  });

  it('answers a missing scope 403 insufficient_scope naming the scopes needed', async () => {
    const result = await auth.authenticate(request({ authorization: 'Bearer good' }), {
      requiredScopes: ['orders:read', 'orders:write'],
    });
    expect(result).toMatchObject({ status: 403, error: 'insufficient_scope' });
    if (result.ok) return;
    expect(result.headers['www-authenticate']).toContain('scope="orders:read orders:write"');
  });

  it('reads a Fetch Headers object as well', async () => {
    const result = await auth.authenticate({
      method: 'GET',
      url: 'https://api.example/orders',
      headers: new Headers({ authorization: 'Bearer good' }),
    });
    expect(result.ok).toBe(true);
  });

  it('answers 503 when the replay cache cannot say whether a proof is new', async () => {
    const failing = createRequestAuthenticator({
      verifier,
      dpop: {
        proofs: {
          algorithms: ['EdDSA'],
          verify: () => ({ replayKey: 'k', replayExpiresAt: 1 }),
        } as never,
        replay: { markSeen: () => Promise.reject(new ReplayCacheUnavailableError('down')) },
      },
    });
    const result = await failing.authenticate(
      request({ authorization: 'DPoP bound', dpop: 'a.b.c' }),
    );
    expect(result).toMatchObject({ status: 503, code: 'ERR_DPOP_REPLAY_CACHE_UNAVAILABLE' });
  });

  it('refuses to be built without a verifier or a DPoP choice', () => {
    expect(() => createRequestAuthenticator({ dpop: false } as never)).toThrow(TypeError);
    expect(() => createRequestAuthenticator({ verifier } as never)).toThrow(TypeError);
  });
});
