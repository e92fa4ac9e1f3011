import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/server/server-config.js';
import { CookieJar, readClaims, setCookies, type SetCookie } from '../support/browser.js';
import {
  ACCESS,
  browserLogin,
  CSRF,
  postPageForm,
  REFRESH,
  SAME_ORIGIN,
} from '../support/browser-session.js';
import {
  addUser,
  ISSUER,
  login,
  ManualClock,
  PASSWORD,
  refresh,
  ServerHarness,
  stringField,
  type StartOptions,
  type TestServer,
} from '../support/server-fixture.js';

// Cookie mode (docs/browser.md): the cookies and their attributes, no token in a body or URL,
// sessions that remember their mode, csh on every access token of a cookie session, refresh
// (transparent and through /oauth/token), logout, and an ended session sent to /login.

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

async function serverWithAlice(options: StartOptions = {}): Promise<TestServer> {
  const started = await harness.start(options);
  await addUser(started.server, 'alice');
  return started;
}

function cookie(response: Response, name: string): SetCookie {
  const found = setCookies(response.headers).find((c) => c.name === name);
  if (found === undefined) throw new Error(`no Set-Cookie ${name}`);
  return found;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function get(url: string, jar: CookieJar): Promise<Response> {
  return fetch(url, { headers: { cookie: jar.header() }, redirect: 'manual' });
}

describe('cookie-mode login', () => {
  it('sets the three __Host- cookies with the contract attributes, and no token in the body', async () => {
    const { url } = await serverWithAlice({ clock: new ManualClock() });
    const response = await browserLogin(url);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('cache-control')).toBe('no-store');

    const access = cookie(response, ACCESS);
    expect(access.attributes.get('httponly')).toBe(true);
    expect(access.attributes.get('secure')).toBe(true);
    expect(access.attributes.get('path')).toBe('/');
    expect(access.attributes.get('samesite')).toBe('Lax');
    expect(access.attributes.get('max-age')).toBe('900');
    expect(access.attributes.has('domain')).toBe(false);

    const refreshCookie = cookie(response, REFRESH);
    expect(refreshCookie.attributes.get('httponly')).toBe(true);
    expect(refreshCookie.attributes.get('secure')).toBe(true);
    expect(refreshCookie.attributes.get('path')).toBe('/');
    expect(refreshCookie.attributes.get('samesite')).toBe('Strict');
    expect(refreshCookie.attributes.get('max-age')).toBe(String(30 * 86_400));

    const csrf = cookie(response, CSRF);
    expect(csrf.attributes.has('httponly')).toBe(false);
    expect(csrf.attributes.get('secure')).toBe(true);
    expect(csrf.attributes.get('samesite')).toBe('Strict');
    expect(csrf.attributes.get('max-age')).toBe(String(30 * 86_400));
    expect(csrf.value).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The access token carries csh, the hash of the CSRF token, and no token leaks elsewhere.
    const claims = readClaims(access.value);
    expect(claims['csh']).toBe(sha256(csrf.value));
    expect(claims['fgp']).toBeUndefined();
    expect(response.headers.get('location')).toBeNull();
  });

  it('makes the access cookie SameSite=Strict with --cookie-samesite strict', async () => {
    const { url } = await serverWithAlice({ flags: { cookieSameSite: 'strict' } });
    const response = await browserLogin(url);
    expect(cookie(response, ACCESS).attributes.get('samesite')).toBe('Strict');
  });

  it('refuses a --cookie-samesite other than lax or strict, and a malformed --browser-origin', () => {
    const base = { port: '0', issuer: ISSUER };
    expect(() => resolveServerConfig({ ...base, cookieSameSite: 'none' }, {})).toThrow(
      /--cookie-samesite.*lax or strict/,
    );
    expect(() =>
      resolveServerConfig({ ...base, browserOrigins: 'https://a.example/x' }, {}),
    ).toThrow(/--browser-origin/);
    const config = resolveServerConfig(
      {},
      {
        TESSERA_PORT: '0',
        TESSERA_ISSUER: ISSUER,
        TESSERA_COOKIE_SAMESITE: 'strict',
        TESSERA_BROWSER_ORIGIN: 'https://a.example, http://localhost:5173',
      },
    );
    expect(config.cookieSameSite).toBe('strict');
    expect(config.browserOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
  });

  it('logs in through the HTML form: 303 to /account, cookies set, no token in body or URL', async () => {
    const { url } = await serverWithAlice();
    const response = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...SAME_ORIGIN },
      body: new URLSearchParams({ username: 'alice', password: PASSWORD }).toString(),
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toBe('');
    const access = cookie(response, ACCESS).value;
    expect(readClaims(access)['csh']).toEqual(expect.any(String));

    const jar = new CookieJar();
    jar.take(response.headers);
    const page = await get(`${url}/account`, jar);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('alice');
    expect(html).not.toContain(access);
    expect(html).not.toContain(jar.get(REFRESH) ?? 'missing');
  });

  it('remembers the mode: /oauth/token refreshes of a cookie session keep csh, bearer sessions get none', async () => {
    const { url, server } = await serverWithAlice();
    const jar = new CookieJar();
    await browserLogin(url, jar);
    const csh = readClaims(jar.get(ACCESS) ?? '')['csh'];
    const sid = readClaims(jar.get(ACCESS) ?? '')['sid'];
    expect(typeof sid).toBe('string');
    expect((await server.context.store.findSession(String(sid)))?.browserBinding).toBe('cookie');

    const first = await refresh(url, jar.get(REFRESH) ?? '');
    expect(first.status).toBe(200);
    expect(readClaims(stringField(first.body, 'access_token'))['csh']).toBe(csh);
    const second = await refresh(url, stringField(first.body, 'refresh_token'));
    expect(readClaims(stringField(second.body, 'access_token'))['csh']).toBe(csh);

    // The bearer API is unchanged: no cookie, no csh.
    const bearer = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: PASSWORD }),
    });
    expect(bearer.headers.getSetCookie()).toEqual([]);
    const body = (await bearer.json()) as Record<string, unknown>;
    expect(readClaims(String(body['access_token']))['csh']).toBeUndefined();
    const tokens = await login(url, 'alice');
    const again = await refresh(url, tokens.refreshToken);
    expect(readClaims(stringField(again.body, 'access_token'))['csh']).toBeUndefined();
  });
});

describe('transparent refresh of the pages', () => {
  it('replaces an expired access cookie from the refresh cookie, keeping csh', async () => {
    const clock = new ManualClock();
    const { url } = await serverWithAlice({ clock, flags: { clockToleranceSeconds: '0' } });
    const jar = new CookieJar();
    await browserLogin(url, jar);
    const oldAccess = jar.get(ACCESS) ?? '';
    const oldRefresh = jar.get(REFRESH) ?? '';
    clock.advance(901_000);

    const page = await get(`${url}/account`, jar);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const newAccess = cookie(page, ACCESS).value;
    expect(newAccess).not.toBe(oldAccess);
    expect(cookie(page, REFRESH).value).not.toBe(oldRefresh);
    expect(readClaims(newAccess)['csh']).toBe(readClaims(oldAccess)['csh']);
    expect(cookie(page, CSRF).value).toBe(jar.get(CSRF));

    // Also with the access cookie gone (the browser drops it at Max-Age).
    jar.take(page.headers);
    jar.delete(ACCESS);
    clock.advance(1000);
    const again = await get(`${url}/account`, jar);
    expect(again.status).toBe(200);
    expect(cookie(again, ACCESS).value).not.toBe(newAccess);
  });

  it('lets several tabs refresh at once: all stay signed in, the session stays live', async () => {
    const clock = new ManualClock();
    const { url, server } = await serverWithAlice({ clock, flags: { clockToleranceSeconds: '0' } });
    const jar = new CookieJar();
    await browserLogin(url, jar);
    const sid = String(readClaims(jar.get(ACCESS) ?? '')['sid']);
    clock.advance(901_000);

    const pages = await Promise.all([1, 2, 3, 4].map(() => get(`${url}/account`, jar.clone())));
    for (const page of pages) expect(page.status).toBe(200);
    expect((await server.context.store.findSession(sid))?.endedAt).toBeNull();
    // Every tab carries a working refresh cookie afterwards.
    for (const page of pages) {
      const tab = jar.clone();
      tab.take(page.headers);
      const next = await get(`${url}/account`, tab);
      expect(next.status).toBe(200);
    }
    expect((await server.context.store.findSession(sid))?.endedAt).toBeNull();
  });

  it('sends an ended session to /login and clears its cookies', async () => {
    const { url } = await serverWithAlice();
    const jar = new CookieJar();
    await browserLogin(url, jar);
    const other = new CookieJar();
    await browserLogin(url, other);
    const otherSid = String(readClaims(other.get(ACCESS) ?? '')['sid']);

    // End the second session from the first, through the account page's form.
    const ended = await postPageForm(url, `/account/sessions/${otherSid}/end`, jar);
    expect(ended.status).toBe(303);
    expect(ended.headers.get('location')).toBe('/account?done=ended');

    const page = await get(`${url}/account`, other);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    const cleared = setCookies(page.headers);
    expect(cleared.map((c) => c.name).sort()).toEqual([ACCESS, CSRF, REFRESH].sort());
    for (const c of cleared) expect(c.attributes.get('max-age')).toBe('0');
    // The first session is untouched.
    expect((await get(`${url}/account`, jar)).status).toBe(200);
  });

  it('logs out through /auth/browser/logout: session ended, cookies cleared', async () => {
    const { url, server } = await serverWithAlice();
    const jar = new CookieJar();
    await browserLogin(url, jar);
    const sid = String(readClaims(jar.get(ACCESS) ?? '')['sid']);
    const response = await fetch(`${url}/auth/browser/logout`, {
      method: 'POST',
      headers: { cookie: jar.header(), 'x-csrf-token': jar.get(CSRF) ?? '', ...SAME_ORIGIN },
    });
    expect(response.status).toBe(204);
    const cleared = setCookies(response.headers);
    expect(cleared.map((c) => c.name).sort()).toEqual([ACCESS, CSRF, REFRESH].sort());
    for (const c of cleared) {
      expect(c.value).toBe('');
      expect(c.attributes.get('max-age')).toBe('0');
      expect(c.attributes.get('path')).toBe('/');
      expect(c.attributes.get('secure')).toBe(true);
    }
    expect((await server.context.store.findSession(sid))?.endedAt).not.toBeNull();
    expect((await refresh(url, jar.get(REFRESH) ?? '')).status).toBe(400);
  });
});

describe('/oauth/token for a gateway that re-sets the cookies', () => {
  it('says how long the refresh token lives: the seconds left in the session', async () => {
    const clock = new ManualClock();
    const { url } = await serverWithAlice({ clock });
    const jar = new CookieJar();
    await browserLogin(url, jar);
    const first = await refresh(url, jar.get(REFRESH) ?? '');
    expect(first.status).toBe(200);
    expect(first.body['refresh_token_expires_in']).toBe(30 * 86_400);
    clock.advance(3_600_000);
    const second = await refresh(url, stringField(first.body, 'refresh_token'));
    expect(second.body['refresh_token_expires_in']).toBe(30 * 86_400 - 3600);
  });
});
