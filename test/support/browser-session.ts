import { expect } from 'vitest';
import { CookieJar } from './browser.js';
import { ISSUER, PASSWORD } from './server-fixture.js';

// What the browser-mode tests of the auth server share: the cookie names, the headers of a
// request from one of its own pages, the pages' security headers, and a cookie-mode login.

/** The headers a browser sends with a request from a page of the auth server itself. */
export const SAME_ORIGIN = { origin: ISSUER, 'sec-fetch-site': 'same-origin' } as const;
/** The access-token cookie of cookie mode. */
export const ACCESS = '__Host-tessera-access';
/** The refresh-token cookie of cookie mode. */
export const REFRESH = '__Host-tessera-refresh';
/** The CSRF-token cookie of cookie mode. */
export const CSRF = '__Host-tessera-csrf';
/** The Content-Security-Policy of every page and browser answer. */
export const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The security headers every page and browser answer carries. */
export function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get('content-security-policy')).toBe(CSP);
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
}

/**
 * A form POST from a same-origin page to `path`, with the session's cookies and its CSRF token
 * (then `fields`); redirects are returned, not followed.
 */
export function postPageForm(
  url: string,
  path: string,
  jar: CookieJar,
  fields: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      cookie: jar.header(),
      'content-type': 'application/x-www-form-urlencoded',
      ...SAME_ORIGIN,
    },
    body: new URLSearchParams({ _csrf: jar.get(CSRF) ?? '', ...fields }).toString(),
    redirect: 'manual',
  });
}

/** `POST /auth/browser/login` as alice from a same-origin page; `jar` takes the cookies. */
export async function browserLogin(url: string, jar = new CookieJar()): Promise<Response> {
  const response = await fetch(`${url}/auth/browser/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...SAME_ORIGIN },
    body: JSON.stringify({ username: 'alice', password: PASSWORD }),
  });
  jar.take(response.headers);
  return response;
}
