import { describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../src/gateway/gateway-config.js';
import { startGateway } from '../../src/gateway/start-gateway.js';
import { setCookies } from '../support/browser.js';
import {
  auth,
  baseSettings,
  call,
  cookieNamed,
  errors,
  FINGERPRINT,
  gateway,
  jar,
  session,
  upstreamHeaders,
  useCookieGateway,
  type Answer,
} from './cookie-gateway.js';
import { CSRF, PLANTED_COOKIES } from './fake-auth-server.js';

// The gateway in browser mode against a fake auth server: cookie sessions accepted, refreshed
// transparently once however many requests wait, our cookies never upstream, and a session
// that ended cleared from the browser. Failures and defences: gateway-cookie-defences.test.ts.

useCookieGateway();

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
});
