import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../src/gateway/gateway-config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/start-gateway.js';
import { createDpopKey, createProof } from '../server/dpop-client.js';
import { setCookies } from '../support/browser.js';
import { STACK_FRAME } from '../support/server-fixture.js';
import {
  AUDIENCE,
  CSRF,
  gatewaySettingsFor,
  PLANTED_COOKIES,
  sha256,
  startCookieUpstream,
  startFakeAuthServer,
  type FakeAuthServer,
} from './fake-auth-server.js';

// The gateway in browser mode against a fake auth server: cookie sessions accepted, refreshed
// transparently once however many requests wait, the CSRF rule, our cookies never upstream,
// and a session that ended cleared from the browser.

const SHOP = 'https://shop.example.test';
const FINGERPRINT = 'fingerprint-of-this-browser';
let auth: FakeAuthServer;
let upstream: { url: string; close(): Promise<void> };
let gateway: RunningGateway;
const errors: unknown[] = [];

/** A gateway in front of the fake auth server and the upstream, DPoP and revocations off. */
const baseSettings = () => gatewaySettingsFor(auth, upstream.url);

/** {@link baseSettings} with cookie sessions for the shop's pages. */
const cookieSettings = () => ({ ...baseSettings(), cookieSession: true, browserOrigins: SHOP });

beforeAll(async () => {
  auth = await startFakeAuthServer();
  upstream = await startCookieUpstream();
  const config = resolveGatewayConfig({ ...cookieSettings(), refreshTimeoutMs: '500' }, {});
  gateway = await startGateway(config, {
    readyTimeoutMs: 10_000,
    onWarning: () => undefined,
    onError: (error) => errors.push(error),
  });
  expect(gateway.ready).toBe(true);
}, 30_000);

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await auth.close();
});

beforeEach(() => {
  auth.mode = 'rotate';
  auth.delayMs = 0;
  auth.refreshExpiresIn = null;
  auth.tokenCalls.length = 0;
  errors.length = 0;
});

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

async function call(
  headers: Record<string, string>,
  method = 'GET',
  path = '/orders',
): Promise<Answer> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

const jar = (pairs: Record<string, string | undefined>): Record<string, string> => ({
  cookie: Object.entries(pairs)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${value ?? ''}`)
    .join('; '),
});
const session = (access: string | undefined, refresh = `spent-${'x'.repeat(40)}`) =>
  jar({
    theme: 'dark',
    '__Host-tessera-access': access,
    '__Host-tessera-refresh': refresh,
    '__Host-tessera-csrf': CSRF,
  });
const fromShop = { 'sec-fetch-site': 'same-origin', origin: SHOP, 'x-csrf-token': CSRF };
const upstreamHeaders = (answer: Answer): Record<string, string> =>
  answer.body['headers'] as Record<string, string>;
const cookieNamed = (answer: Answer, name: string) =>
  setCookies(answer.headers).find((cookie) => cookie.name === name);

describe('gateway cookie sessions', () => {
  it('accepts a live access cookie, and forwards no cookie of ours upstream', async () => {
    const answer = await call(session(auth.accessToken()));
    expect(answer.status).toBe(200);
    const seen = upstreamHeaders(answer);
    expect(seen['x-tessera-sub']).toBe('alice');
    expect(seen['cookie']).toBe('theme=dark');
    expect(answer.text).not.toContain('__Host-tessera');
    expect(auth.tokenCalls).toHaveLength(0);
    // Nothing refreshed: no cookie of ours set.
    expect(cookieNamed(answer, '__Host-tessera-access')).toBeUndefined();
    // An answer for the session's user is no shared cache's to keep, whatever the upstream said.
    expect(answer.headers.get('cache-control')).toBe('private, no-store');
    expect(answer.headers.get('vary')).toMatch(/^Accept-Encoding, Cookie$/i);
  });

  it("leaves the upstream's caching alone when the token came in Authorization", async () => {
    const answer = await call({ authorization: `Bearer ${auth.accessToken()}` });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('public, max-age=60');
    expect(answer.headers.get('vary')).toBe('Accept-Encoding');
  });

  it('never lets the upstream set a cookie of ours, in either mode', async () => {
    const plain = await startGateway(resolveGatewayConfig(baseSettings(), {}), {
      readyTimeoutMs: 10_000,
      onWarning: () => undefined,
      onError: (e) => errors.push(e),
    });
    try {
      for (const [base, headers] of [
        [gateway.url, session(auth.accessToken())],
        [plain.url, { authorization: `Bearer ${auth.accessToken()}` }],
      ] as const) {
        errors.length = 0;
        const response = await fetch(`${base}/planted`, { headers });
        await response.text();
        expect(response.status).toBe(200);
        const names = setCookies(response.headers).map((cookie) => cookie.name);
        expect(names).toEqual(['upstream-a', 'upstream-b']);
        expect(response.headers.getSetCookie().join()).not.toMatch(/tessera/i);
        // The operator hears of it, by cookie name, never by value.
        expect(errors).toHaveLength(PLANTED_COOKIES.length);
        expect(String(errors)).toMatch(/__Host-tessera-access/);
        expect(String(errors)).not.toMatch(/planted;/);
      }
    } finally {
      await plain.close();
    }
  });

  it('drops the whole Cookie header when only our cookies were in it', async () => {
    const answer = await call(jar({ '__Host-tessera-access': auth.accessToken() }));
    expect(upstreamHeaders(answer)['cookie']).toBeUndefined();
  });

  it('refreshes an expired access token, sets the cookies again beside the upstream ones', async () => {
    const answer = await call(
      session(auth.accessToken({ expired: true }), `old-${'a'.repeat(40)}`),
    );
    expect(answer.status).toBe(200);
    expect(auth.tokenCalls).toHaveLength(1);
    const sent = auth.tokenCalls[0];
    expect(sent?.get('grant_type')).toBe('refresh_token');
    expect(sent?.get('refresh_token')).toBe(`old-${'a'.repeat(40)}`);
    expect(sent?.get('client_id')).toBe('tessera');
    // The upstream saw neither token.
    expect(JSON.stringify(upstreamHeaders(answer))).not.toMatch(/refresh-|old-a|eyJ/);

    const names = setCookies(answer.headers).map((cookie) => cookie.name);
    expect(names).toEqual([
      'upstream-a',
      'upstream-b',
      '__Host-tessera-access',
      '__Host-tessera-refresh',
      '__Host-tessera-csrf',
    ]);
    const access = cookieNamed(answer, '__Host-tessera-access');
    expect(access?.attributes.get('httponly')).toBe(true);
    expect(access?.attributes.get('secure')).toBe(true);
    expect(access?.attributes.get('path')).toBe('/');
    expect(access?.attributes.get('samesite')).toBe('Lax');
    expect(access?.attributes.get('max-age')).toBe('300');
    expect(access?.attributes.has('domain')).toBe(false);
    const refresh = cookieNamed(answer, '__Host-tessera-refresh');
    expect(refresh?.value).toMatch(/^refresh-\d+-r+$/);
    expect(refresh?.attributes.get('samesite')).toBe('Strict');
    const csrf = cookieNamed(answer, '__Host-tessera-csrf');
    expect(csrf?.value).toBe(CSRF);
    expect(csrf?.attributes.has('httponly')).toBe(false);
    // A response that sets a token is never cached.
    expect(answer.headers.get('cache-control')).toBe('private, no-store');
  });

  it("gives no cookie a longer life than the session's, as the auth server tells it", async () => {
    const maxAges = (answer: Answer): Record<string, string | true | undefined> =>
      Object.fromEntries(
        setCookies(answer.headers).map((cookie) => [cookie.name, cookie.attributes.get('max-age')]),
      );
    // The session has 2 minutes left: the access token (300 s) may not outlive it.
    auth.refreshExpiresIn = 120;
    const ending = await call({
      cookie: `${session(undefined, `life-${'m'.repeat(40)}`).cookie}; __Host-tessera-fgp=${FINGERPRINT}`,
    });
    expect(ending.status).toBe(200);
    expect(maxAges(ending)).toMatchObject({
      '__Host-tessera-access': '120',
      '__Host-tessera-refresh': '120',
      '__Host-tessera-csrf': '120',
      '__Host-tessera-fgp': '120',
    });
    // Days left: the access cookie lives as long as its token, the others as the session.
    auth.refreshExpiresIn = 5 * 86_400;
    const long = await call(session(undefined, `long-${'m'.repeat(40)}`));
    expect(maxAges(long)).toMatchObject({
      '__Host-tessera-access': '300',
      '__Host-tessera-refresh': String(5 * 86_400),
      '__Host-tessera-csrf': String(5 * 86_400),
    });
    // A server that does not say: the token's lifetime, and 30 days.
    auth.refreshExpiresIn = null;
    const unsaid = await call(session(undefined, `unsaid-${'m'.repeat(40)}`));
    expect(maxAges(unsaid)).toMatchObject({
      '__Host-tessera-access': '300',
      '__Host-tessera-refresh': String(30 * 86_400),
    });
  });

  it('refreshes a session that has no access cookie left (it expired in the browser)', async () => {
    const answer = await call(session(undefined, `gone-${'b'.repeat(40)}`));
    expect(answer.status).toBe(200);
    expect(auth.tokenCalls).toHaveLength(1);
  });

  it('spends the refresh token once for many requests at the moment of expiry', async () => {
    auth.delayMs = 300;
    const headers = session(auth.accessToken({ expired: true }), `tabs-${'c'.repeat(40)}`);
    const answers = await Promise.all(Array.from({ length: 8 }, () => call(headers)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    expect(auth.tokenCalls).toHaveLength(1);
    const refreshed = new Set(
      answers.map((answer) => cookieNamed(answer, '__Host-tessera-refresh')?.value),
    );
    expect(refreshed.size).toBe(1);
    // A tab that sent the old cookie just after gets the same successor, without a call.
    const late = await call(headers);
    expect(late.status).toBe(200);
    expect(auth.tokenCalls).toHaveLength(1);
    expect(cookieNamed(late, '__Host-tessera-refresh')?.value).toBe([...refreshed][0]);
  });

  it('clears every session cookie and answers 401 when the session has ended', async () => {
    auth.mode = 'invalid_grant';
    const answer = await call(
      session(auth.accessToken({ expired: true }), `ended-${'d'.repeat(40)}`),
    );
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      error: 'invalid_token',
      error_description: 'the session has ended; sign in again',
    });
    expect(answer.headers.get('www-authenticate')).toBe(
      'Bearer realm="tessera", error="invalid_token", error_description="the session has ended; sign in again"',
    );
    const cleared = setCookies(answer.headers);
    expect(cleared.map((cookie) => cookie.name).sort()).toEqual([
      '__Host-tessera-access',
      '__Host-tessera-csrf',
      '__Host-tessera-fgp',
      '__Host-tessera-refresh',
    ]);
    for (const cookie of cleared) {
      expect(cookie.value).toBe('');
      expect(cookie.attributes.get('max-age')).toBe('0');
      expect(cookie.attributes.get('path')).toBe('/');
      expect(cookie.attributes.get('secure')).toBe(true);
    }
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('keeps the cookies and answers 503 when the auth server fails or is slow', async () => {
    for (const mode of ['error500', 'hang'] as const) {
      auth.mode = mode;
      const started = Date.now();
      const answer = await call(session(undefined, `${mode}-${'e'.repeat(40)}`));
      expect(answer.status, mode).toBe(503);
      expect(answer.body['error']).toBe('temporarily_unavailable');
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(setCookies(answer.headers)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5000);
    }
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(String(errors)).not.toMatch(/e{40}/);
  });

  it('lets the shop change state, with its CSRF token, and refreshes on the way', async () => {
    const answer = await call(
      { ...session(auth.accessToken({ expired: true }), `post-${'f'.repeat(40)}`), ...fromShop },
      'POST',
    );
    expect(answer.status).toBe(200);
    expect(answer.body['method']).toBe('POST');
    // The CSRF header is the session's: the upstream does not get it.
    expect(upstreamHeaders(answer)['x-csrf-token']).toBeUndefined();
  });

  it('refuses a forged state change before refreshing anything', async () => {
    for (const headers of [
      { ...fromShop, 'sec-fetch-site': 'cross-site' },
      { ...fromShop, 'sec-fetch-site': 'same-site' },
      { ...fromShop, origin: 'https://evil.example.test' },
      { 'x-csrf-token': CSRF },
    ]) {
      const answer = await call(
        { ...session(auth.accessToken({ expired: true }), `forged-${'g'.repeat(40)}`), ...headers },
        'POST',
      );
      expect(answer.status).toBe(403);
      expect(answer.body['error']).toBe('csrf_rejected');
      expect(answer.text).not.toMatch(STACK_FRAME);
    }
    expect(auth.tokenCalls).toHaveLength(0);
    // Live token, same origin, but no or a wrong CSRF token.
    for (const token of [undefined, 'wrong']) {
      const answer = await call(
        { ...session(auth.accessToken()), ...fromShop, 'x-csrf-token': token ?? '' },
        'DELETE',
      );
      expect(answer.status).toBe(403);
    }
  });

  it('leaves Authorization requests alone, and holds sidecar tokens to their cookie', async () => {
    const plain = await call(
      { authorization: `Bearer ${auth.accessToken()}`, 'sec-fetch-site': 'cross-site' },
      'POST',
    );
    expect(plain.status).toBe(200);
    const bound = auth.accessToken({ claims: { fgp: sha256(FINGERPRINT) } });
    const without = await call({ authorization: `Bearer ${bound}` });
    expect(without.status).toBe(401);
    expect(without.body['error_description']).toMatch(/fingerprint cookie/);
    const wrong = await call({
      authorization: `Bearer ${bound}`,
      ...jar({ '__Host-tessera-fgp': 'other' }),
    });
    expect(wrong.status).toBe(401);
    const right = await call({
      authorization: `Bearer ${bound}`,
      ...jar({ '__Host-tessera-fgp': FINGERPRINT, theme: 'dark' }),
    });
    expect(right.status).toBe(200);
    expect(upstreamHeaders(right)['cookie']).toBe('theme=dark');
  });

  it('judges the origin before refreshing a session that has only its refresh cookie', async () => {
    // No access cookie: the authenticator has nothing to judge, so the gate must.
    const onlyRefresh = jar({
      '__Host-tessera-refresh': `lone-${'h'.repeat(40)}`,
      '__Host-tessera-csrf': CSRF,
    });
    for (const [headers, method] of [
      [{ ...fromShop, 'sec-fetch-site': 'same-site' }, 'POST'],
      [{ ...fromShop, 'sec-fetch-site': 'cross-site' }, 'DELETE'],
      [{ ...fromShop, origin: 'https://evil.example.test' }, 'PUT'],
      [{ 'sec-fetch-site': 'cross-site', 'x-http-method-override': 'DELETE' }, 'GET'],
    ] as const) {
      const answer = await call({ ...onlyRefresh, ...headers }, method);
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(answer.body['error']).toBe('csrf_rejected');
    }
    expect(auth.tokenCalls).toHaveLength(0);
  });

  it('refreshes only a missing or expired access token, never a forged or bearer one', async () => {
    const good = auth.accessToken();
    const tampered = `${good.slice(0, -4)}${good.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const forged = await call(session(tampered, `forged-${'i'.repeat(40)}`));
    expect(forged.status).toBe(401);
    expect(forged.body['error']).toBe('invalid_token');
    expect(setCookies(forged.headers)).toEqual([]);
    // An expired token in Authorization is the API client's to renew, not the cookie's.
    const bearer = await call({
      authorization: `Bearer ${auth.accessToken({ expired: true })}`,
      ...session(undefined, `bearer-${'j'.repeat(40)}`),
    });
    expect(bearer.status).toBe(401);
    expect(setCookies(bearer.headers)).toEqual([]);
    expect(auth.tokenCalls).toHaveLength(0);
  });

  it('asks the auth server once about a refused refresh cookie, however often it comes', async () => {
    auth.mode = 'invalid_grant';
    const garbage = session(undefined, `garbage-${'k'.repeat(40)}`);
    for (let i = 0; i < 10; i++) expect((await call(garbage)).status).toBe(401);
    expect(auth.tokenCalls).toHaveLength(1);
  });

  it('never sends the auth server a refresh cookie it cannot have issued', async () => {
    for (const value of ['a'.repeat(300), 'dotted.value.0123456789abcdef']) {
      const answer = await call(session(undefined, value));
      expect(answer.status).toBe(401);
      expect(answer.body['error_description']).toBe('the session has ended; sign in again');
      expect(cookieNamed(answer, '__Host-tessera-refresh')?.attributes.get('max-age')).toBe('0');
    }
    expect(auth.tokenCalls).toHaveLength(0);
  });

  it('with --refresh-reuse 0, lets the auth server see a spent refresh token again', async () => {
    const strict = await startGateway(
      resolveGatewayConfig(
        {
          ...cookieSettings(),
          refreshReuseMs: '0',
        },
        {},
      ),
      { readyTimeoutMs: 10_000, onWarning: () => undefined },
    );
    try {
      const spent = session(undefined, `spent-once-${'l'.repeat(40)}`);
      const first = await fetch(`${strict.url}/orders`, { headers: spent });
      await first.text();
      expect(first.status).toBe(200);
      auth.mode = 'invalid_grant';
      const second = await fetch(`${strict.url}/orders`, { headers: spent });
      await second.text();
      // The server's reuse detection, not the gateway's memory, answered.
      expect(auth.tokenCalls).toHaveLength(2);
      expect(second.status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('holds a DPoP-bound token that carries fgp to its fingerprint cookie too', async () => {
    const publicUrl = 'https://api.example.test';
    const withDpop = await startGateway(
      resolveGatewayConfig(
        {
          listen: '127.0.0.1:0',
          publicUrl,
          upstream: upstream.url,
          issuer: auth.url,
          audience: AUDIENCE,
          revocations: 'none',
        },
        {},
      ),
      { readyTimeoutMs: 10_000, onWarning: () => undefined },
    );
    try {
      const key = createDpopKey('ES256');
      const token = auth.accessToken({
        claims: { cnf: { jkt: key.jkt }, fgp: sha256(FINGERPRINT) },
      });
      const send = async (cookie: Record<string, string>) => {
        const response = await fetch(`${withDpop.url}/orders`, {
          headers: {
            authorization: `DPoP ${token}`,
            dpop: createProof(key, {
              method: 'GET',
              url: `${publicUrl}/orders`,
              accessToken: token,
            }),
            ...cookie,
          },
        });
        return {
          status: response.status,
          body: (await response.json()) as Record<string, unknown>,
        };
      };
      const without = await send({});
      expect(without.status).toBe(401);
      expect(without.body['error']).toBe('invalid_token');
      expect(without.body['error_description']).toMatch(/fingerprint cookie/);
      const withIt = await send(jar({ '__Host-tessera-fgp': FINGERPRINT }));
      expect(withIt.status).toBe(200);
      expect(withIt.body['method']).toBe('GET');
    } finally {
      await withDpop.close();
    }
  });

  it('refuses a duplicated cookie of ours', async () => {
    const token = auth.accessToken();
    const answer = await call({
      cookie: `__Host-tessera-access=${token}; __Host-tessera-access=${token}`,
    });
    expect(answer.status).toBe(400);
    expect(answer.body['error']).toBe('invalid_request');
  });
});
