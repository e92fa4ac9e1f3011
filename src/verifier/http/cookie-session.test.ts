import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JwtClaims } from '../../token/jwt-claims.js';
import type { VerificationResult, Verifier } from '../create-verifier.js';
import { createRequestAuthenticator } from './request-authenticator.js';

// Browser mode in the request authenticator, without any HTTP server: the token sidecar (fgp),
// cookie sessions and the CSRF rule of docs/verifier.md. The verifier answers by token text.

const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');
const FINGERPRINT = 'fingerprint-of-this-browser';
const CSRF = 'csrf-token-of-this-session';
const ORIGIN = 'https://app.example';

const CLAIMS: JwtClaims = {
  iss: 'https://as.example',
  aud: 'api',
  exp: 4_000_000_000,
  sub: 'user-1',
  sid: 'session-1',
  client_id: 'tessera',
};
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
const answers: Record<string, VerificationResult> = {
  plain: ok(CLAIMS),
  sidecar: ok({ ...CLAIMS, fgp: sha256(FINGERPRINT) }),
  oddSidecar: ok({ ...CLAIMS, fgp: 42 }),
  session: ok({ ...CLAIMS, csh: sha256(CSRF) }),
  sessionSidecar: ok({ ...CLAIMS, csh: sha256(CSRF), fgp: sha256(FINGERPRINT) }),
  dpopBound: ok({ ...CLAIMS, csh: sha256(CSRF), cnf: { jkt: 'thumbprint' } }),
  expired: { ok: false, code: 'ERR_JWT_EXPIRED', reason: 'expired', claim: 'exp' },
};
const seen: string[] = [];
const verifier: Pick<Verifier, 'verifyAsync'> = {
  verifyAsync: (token: string) => {
    seen.push(token);
    return Promise.resolve(
      answers[token] ?? { ok: false, code: 'ERR_JWS_MALFORMED', reason: 'x', claim: undefined },
    );
  },
};

const bearerOnly = createRequestAuthenticator({ verifier, dpop: false });
const browser = createRequestAuthenticator({
  verifier,
  dpop: false,
  cookies: { allowedOrigins: [ORIGIN, 'https://admin.example:8443'] },
});
const request = (headers: Record<string, string | string[]>, method = 'GET') => ({
  method,
  url: 'https://api.example/orders',
  headers,
});
const cookie = (pairs: Record<string, string>): string =>
  Object.entries(pairs)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
const access = (token: string, more: Record<string, string> = {}): Record<string, string> => ({
  cookie: cookie({ theme: 'dark', '__Host-tessera-access': token, ...more }),
});
/** A same-origin fetch from the app's page, as a current browser sends it. */
const sameOrigin = { 'sec-fetch-site': 'same-origin', origin: ORIGIN, 'x-csrf-token': CSRF };

describe('the token sidecar (fgp)', () => {
  it('refuses a token with fgp and no fingerprint cookie, saying why', async () => {
    for (const auth of [bearerOnly, browser]) {
      const result = await auth.authenticate(request({ authorization: 'Bearer sidecar' }));
      expect(result).toMatchObject({
        ok: false,
        status: 401,
        error: 'invalid_token',
        code: 'ERR_AUTH_FINGERPRINT_MISMATCH',
      });
      if (result.ok) return;
      expect(result.description).toMatch(/fingerprint cookie.*missing or does not match/);
      expect(result.headers['www-authenticate']).toMatch(
        /^Bearer realm="tessera", error="invalid_token"/,
      );
    }
  });

  it('refuses a wrong fingerprint, or one under another spelling', async () => {
    for (const cookieHeader of [
      cookie({ '__Host-tessera-fgp': 'another-browser' }),
      cookie({ '__Host-tessera-fgp': sha256(FINGERPRINT) }),
      cookie({ '__HOST-tessera-fgp': FINGERPRINT }),
      cookie({ 'tessera-fgp': FINGERPRINT }),
    ]) {
      const result = await bearerOnly.authenticate(
        request({ authorization: 'Bearer sidecar', cookie: cookieHeader }),
      );
      expect(result, cookieHeader).toMatchObject({
        status: 401,
        code: 'ERR_AUTH_FINGERPRINT_MISMATCH',
      });
    }
  });

  it('accepts the token with its fingerprint cookie, from Node headers or Fetch Headers', async () => {
    const fromNode = await bearerOnly.authenticate(
      request({
        authorization: 'Bearer sidecar',
        cookie: `a=1; __Host-tessera-fgp=${FINGERPRINT}`,
      }),
    );
    expect(fromNode).toMatchObject({
      ok: true,
      credentials: 'header',
      identity: { sub: 'user-1' },
    });
    const fromFetch = await bearerOnly.authenticate({
      method: 'GET',
      url: 'https://api.example/orders',
      headers: new Headers({
        authorization: 'Bearer sidecar',
        cookie: `__Host-tessera-fgp=${FINGERPRINT}`,
      }),
    });
    expect(fromFetch.ok).toBe(true);
  });

  it('refuses an fgp claim that is not a hash, whatever the cookie', async () => {
    const result = await bearerOnly.authenticate(
      request({ authorization: 'Bearer oddSidecar', cookie: `__Host-tessera-fgp=42` }),
    );
    expect(result).toMatchObject({ status: 401, code: 'ERR_AUTH_FINGERPRINT_MISMATCH' });
  });

  it('refuses a fingerprint cookie sent twice (400), and leaves tokens without fgp alone', async () => {
    const twice = await bearerOnly.authenticate(
      request({
        authorization: 'Bearer sidecar',
        cookie: `__Host-tessera-fgp=${FINGERPRINT}; __Host-tessera-fgp=${FINGERPRINT}`,
      }),
    );
    expect(twice).toMatchObject({
      status: 400,
      error: 'invalid_request',
      code: 'ERR_AUTH_COOKIE_MALFORMED',
    });
    const plain = await bearerOnly.authenticate(
      request({
        authorization: 'Bearer plain',
        cookie: '__Host-tessera-fgp=a; __Host-tessera-fgp=b',
      }),
    );
    expect(plain.ok).toBe(true);
  });
});

describe('cookie sessions', () => {
  it('are off by default: the access cookie is not a credential', async () => {
    const result = await bearerOnly.authenticate(request(access('session')));
    expect(result).toMatchObject({ status: 401, code: 'ERR_AUTH_TOKEN_MISSING' });
  });

  it('accept the access cookie on a GET, with no CSRF check at all', async () => {
    const result = await browser.authenticate(
      request({ ...access('session'), 'sec-fetch-site': 'cross-site' }),
    );
    expect(result).toMatchObject({
      ok: true,
      credentials: 'cookie',
      identity: { sid: 'session-1', scheme: 'Bearer' },
    });
    for (const method of ['HEAD', 'OPTIONS']) {
      expect((await browser.authenticate(request(access('plain'), method))).ok).toBe(true);
    }
  });

  it('accept a state-changing request from an allowed origin with the CSRF token', async () => {
    const result = await browser.authenticate(
      request({ ...access('session'), ...sameOrigin }, 'POST'),
    );
    expect(result).toMatchObject({ ok: true, credentials: 'cookie' });
    // An older browser without Fetch Metadata: Origin alone will do.
    const older = await browser.authenticate(
      request({ ...access('session'), origin: ORIGIN, 'x-csrf-token': CSRF }, 'DELETE'),
    );
    expect(older.ok).toBe(true);
    // A same-origin page under Referrer-Policy: no-referrer sends Origin: null.
    const noReferrer = await browser.authenticate(
      request({ ...access('session'), ...sameOrigin, origin: 'null' }, 'POST'),
    );
    expect(noReferrer.ok).toBe(true);
  });

  const refusedCases: [string, Record<string, string | string[]>, string][] = [
    ['cross-site', { ...sameOrigin, 'sec-fetch-site': 'cross-site' }, 'POST'],
    [
      'same-site (another subdomain or port)',
      { ...sameOrigin, 'sec-fetch-site': 'same-site' },
      'PUT',
    ],
    ['none (typed in the address bar)', { ...sameOrigin, 'sec-fetch-site': 'none' }, 'POST'],
    ['an origin not allowed', { ...sameOrigin, origin: 'https://evil.example' }, 'PATCH'],
    ['Origin "null" without Fetch Metadata', { origin: 'null', 'x-csrf-token': CSRF }, 'POST'],
    [
      'Origin "null" cross-site',
      { ...sameOrigin, origin: 'null', 'sec-fetch-site': 'cross-site' },
      'POST',
    ],
    ['an allowed origin with a path', { ...sameOrigin, origin: `${ORIGIN}/` }, 'POST'],
    ['no Sec-Fetch-Site and no Origin', { 'x-csrf-token': CSRF }, 'POST'],
    ['no CSRF token', { 'sec-fetch-site': 'same-origin', origin: ORIGIN }, 'POST'],
    ['a wrong CSRF token', { ...sameOrigin, 'x-csrf-token': `${CSRF}x` }, 'POST'],
    ['the CSRF hash instead of the token', { ...sameOrigin, 'x-csrf-token': sha256(CSRF) }, 'POST'],
    ['two CSRF tokens', { ...sameOrigin, 'x-csrf-token': [CSRF, CSRF] }, 'POST'],
    ['two Origin headers', { ...sameOrigin, origin: [ORIGIN, ORIGIN] }, 'POST'],
    ['a lower-case method', { 'sec-fetch-site': 'cross-site' }, 'post'],
  ];
  for (const [name, headers, method] of refusedCases) {
    it(`refuse a state-changing request with ${name}: 403 csrf_rejected`, async () => {
      const result = await browser.authenticate(
        request({ ...access('session'), ...headers }, method),
      );
      expect(result).toMatchObject({
        ok: false,
        status: 403,
        error: 'csrf_rejected',
        code: 'ERR_AUTH_CSRF_REJECTED',
        body: { error: 'csrf_rejected' },
      });
      if (result.ok) return;
      expect(result.description.length).toBeGreaterThan(10);
      expect(result.headers['www-authenticate']).toBeUndefined();
      expect(result.headers['cache-control']).toBe('no-store');
    });
  }

  it('hold a GET that asks to be taken as another method to the CSRF rule', async () => {
    // Frameworks with method-override support run such a GET as the DELETE it names. Node
    // gives header names in lower case.
    for (const name of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      const forged = await browser.authenticate(
        request({ ...access('session'), 'sec-fetch-site': 'cross-site', [name]: 'DELETE' }),
      );
      expect(forged, name).toMatchObject({ status: 403, code: 'ERR_AUTH_CSRF_REJECTED' });
      const noToken = await browser.authenticate(
        request({ ...access('session'), 'sec-fetch-site': 'same-origin', [name]: 'DELETE' }),
      );
      expect(noToken, name).toMatchObject({ status: 403, code: 'ERR_AUTH_CSRF_REJECTED' });
      const fromApp = await browser.authenticate(
        request({ ...access('session'), ...sameOrigin, [name]: 'DELETE' }),
      );
      expect(fromApp.ok, name).toBe(true);
    }
    // A Fetch Headers source is read the same way.
    const fetchHeaders = new Headers({ ...access('session'), 'X-HTTP-Method-Override': 'PUT' });
    const viaFetch = await browser.authenticate({
      method: 'GET',
      url: 'https://api.example/orders',
      headers: fetchHeaders,
    });
    expect(viaFetch).toMatchObject({ status: 403, code: 'ERR_AUTH_CSRF_REJECTED' });
  });

  it('refuse state changes with a cookie token that lacks csh, and allow its GETs', async () => {
    const post = await browser.authenticate(request({ ...access('plain'), ...sameOrigin }, 'POST'));
    expect(post).toMatchObject({ status: 403, error: 'csrf_rejected' });
    expect((await browser.authenticate(request(access('plain')))).ok).toBe(true);
  });

  it('judge a cross-site request before looking at its token', async () => {
    seen.length = 0;
    const result = await browser.authenticate(
      request({ ...access('expired'), 'sec-fetch-site': 'cross-site' }, 'POST'),
    );
    expect(result).toMatchObject({ status: 403, error: 'csrf_rejected' });
    expect(seen).toEqual([]);
  });

  it('answer a bad cookie token 401 invalid_token, like a bad header token', async () => {
    expect(await browser.authenticate(request(access('expired')))).toMatchObject({
      status: 401,
      error: 'invalid_token',
      code: 'ERR_JWT_EXPIRED',
    });
    expect(await browser.authenticate(request(access('dpopBound')))).toMatchObject({
      status: 401,
      code: 'ERR_AUTH_DPOP_REQUIRED',
    });
  });

  it('check the sidecar of a cookie token as well', async () => {
    const without = await browser.authenticate(request(access('sessionSidecar')));
    expect(without).toMatchObject({ status: 401, code: 'ERR_AUTH_FINGERPRINT_MISMATCH' });
    const withIt = await browser.authenticate(
      request(access('sessionSidecar', { '__Host-tessera-fgp': FINGERPRINT })),
    );
    expect(withIt.ok).toBe(true);
  });

  it('refuse a duplicated access cookie (400), whichever copy is good', async () => {
    const result = await browser.authenticate(
      request({ cookie: '__Host-tessera-access=session; __Host-tessera-access=plain' }),
    );
    expect(result).toMatchObject({ status: 400, code: 'ERR_AUTH_COOKIE_MALFORMED' });
  });

  it('leave requests with Authorization alone: no CSRF rule, cookie ignored', async () => {
    const crossSite = await browser.authenticate(
      request(
        {
          authorization: 'Bearer plain',
          'sec-fetch-site': 'cross-site',
          origin: 'https://evil.example',
          ...access('expired'),
        },
        'POST',
      ),
    );
    expect(crossSite).toMatchObject({ ok: true, credentials: 'header' });
  });

  it('use the token a gateway just refreshed in place of the cookie', async () => {
    const result = await browser.authenticate(request(access('expired')), {
      accessCookie: 'session',
    });
    expect(result).toMatchObject({ ok: true, credentials: 'cookie', token: 'session' });
    const noCookie = await browser.authenticate(request({}), { accessCookie: 'session' });
    expect(noCookie.ok).toBe(true);
  });

  it('without a cookie, answer 401 with the usual challenge', async () => {
    expect(await browser.authenticate(request({ cookie: 'theme=dark' }))).toMatchObject({
      status: 401,
      error: null,
      code: 'ERR_AUTH_TOKEN_MISSING',
    });
  });

  it('need real origins to be built', () => {
    for (const allowedOrigins of [
      [],
      ['app.example'],
      ['https://app.example/path'],
      ['ftp://x.example'],
      ['https://APP.example'],
      [42],
    ]) {
      expect(
        () =>
          createRequestAuthenticator({
            verifier,
            dpop: false,
            cookies: { allowedOrigins } as never,
          }),
        JSON.stringify(allowedOrigins),
      ).toThrow(TypeError);
    }
    expect(() =>
      createRequestAuthenticator({
        verifier,
        dpop: false,
        cookies: { allowedOrigins: ['https://app.example/'] },
      }),
    ).not.toThrow();
  });
});
