import type { FastifyReply } from 'fastify';
import { csrfTokenOf, fingerprintOf } from '../../sessions/browser-binding-keys.js';
import type { IssuedTokens } from '../../sessions/session-service.js';
import type { ServerContext } from '../server-context.js';

/**
 * The cookies of browser mode. `__Host-` makes the browser insist on Secure, Path=/ and no
 * Domain (RFC 6265bis §4.1.3.2): host-only, so no sibling subdomain can set or shadow them.
 */
export const BROWSER_COOKIES = Object.freeze({
  access: '__Host-tessera-access',
  refresh: '__Host-tessera-refresh',
  csrf: '__Host-tessera-csrf',
  fgp: '__Host-tessera-fgp',
});

interface CookieAttributes {
  readonly httpOnly: boolean;
  readonly sameSite: 'Lax' | 'Strict';
  readonly maxAgeSeconds: number;
}

/**
 * One `Set-Cookie` value with the attributes every browser-mode cookie shares (Secure, Path=/,
 * no Domain) and the given ones.
 *
 * @example
 * serializeCookie(BROWSER_COOKIES.csrf, csrf, { httpOnly: false, sameSite: 'Strict', maxAgeSeconds: 60 });
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const parts = [
    `${name}=${value}`,
    `Max-Age=${Math.max(0, Math.floor(attributes.maxAgeSeconds))}`,
    'Path=/',
    'Secure',
  ];
  if (attributes.httpOnly) parts.push('HttpOnly');
  parts.push(`SameSite=${attributes.sameSite}`);
  return parts.join('; ');
}

/**
 * The cookies of a `Cookie` header (RFC 6265 §5.4), first occurrence of a name winning.
 *
 * @example
 * parseCookieHeader('a=1; b=2').get('b'); // '2'
 */
export function parseCookieHeader(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined) return cookies;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** Seconds from now until `at` (ms), at least 0. */
function secondsUntil(context: Pick<ServerContext, 'clock'>, at: number): number {
  return Math.max(0, Math.floor((at - context.clock.now()) / 1000));
}

/**
 * The cookies of a cookie-mode session after login or refresh: the access token (Lax, or
 * Strict by setting), the refresh token and the CSRF token (Strict; the CSRF cookie readable
 * by same-origin script, which copies it into `X-CSRF-Token`).
 *
 * @example
 * reply.header('set-cookie', sessionCookies(context, tokens));
 */
export function sessionCookies(
  context: Pick<ServerContext, 'clock' | 'config' | 'browserKeys'>,
  tokens: IssuedTokens,
): string[] {
  const sessionLeft = secondsUntil(context, tokens.sessionExpiresAt);
  const sameSite = context.config.cookieSameSite === 'strict' ? 'Strict' : 'Lax';
  return [
    serializeCookie(BROWSER_COOKIES.access, tokens.accessToken, {
      httpOnly: true,
      sameSite,
      maxAgeSeconds: Math.min(tokens.expiresIn, sessionLeft),
    }),
    serializeCookie(BROWSER_COOKIES.refresh, tokens.refreshToken, {
      httpOnly: true,
      sameSite: 'Strict',
      maxAgeSeconds: sessionLeft,
    }),
    serializeCookie(BROWSER_COOKIES.csrf, csrfTokenOf(context.browserKeys, tokens.sessionId), {
      httpOnly: false,
      sameSite: 'Strict',
      maxAgeSeconds: sessionLeft,
    }),
  ];
}

/**
 * The token-sidecar cookie of a fingerprint-bound session (OWASP JWT cheat sheet, "token
 * sidecar"): HttpOnly, so script that steals the token cannot steal the fingerprint with it.
 *
 * @example
 * reply.header('set-cookie', fingerprintCookie(context, tokens));
 */
export function fingerprintCookie(
  context: Pick<ServerContext, 'clock' | 'browserKeys'>,
  tokens: IssuedTokens,
): string {
  return serializeCookie(
    BROWSER_COOKIES.fgp,
    fingerprintOf(context.browserKeys, tokens.sessionId),
    {
      httpOnly: true,
      sameSite: 'Strict',
      maxAgeSeconds: secondsUntil(context, tokens.sessionExpiresAt),
    },
  );
}

/**
 * `Set-Cookie` values that clear the browser-mode cookies: same names and attributes,
 * Max-Age=0 (RFC 6265 §5.2.2), so the browser matches and drops each one. `access` clears
 * only the access cookie, for a request that did not carry the others (see CookiesToClear).
 *
 * @example
 * reply.header('set-cookie', clearedCookies(context));
 */
export function clearedCookies(
  context: Pick<ServerContext, 'config'>,
  which: 'all' | 'access' = 'all',
): string[] {
  const sameSite = context.config.cookieSameSite === 'strict' ? 'Strict' : 'Lax';
  const access = serializeCookie(BROWSER_COOKIES.access, '', {
    httpOnly: true,
    sameSite,
    maxAgeSeconds: 0,
  });
  if (which === 'access') return [access];
  return [
    access,
    serializeCookie(BROWSER_COOKIES.refresh, '', {
      httpOnly: true,
      sameSite: 'Strict',
      maxAgeSeconds: 0,
    }),
    serializeCookie(BROWSER_COOKIES.csrf, '', {
      httpOnly: false,
      sameSite: 'Strict',
      maxAgeSeconds: 0,
    }),
  ];
}

/**
 * Add `Set-Cookie` values to a reply, keeping any set already, and mark it `no-store`: a
 * response that sets a token cookie must never be cached by a browser or a proxy.
 *
 * @example
 * addCookies(reply, sessionCookies(context, tokens));
 */
export function addCookies(reply: FastifyReply, cookies: readonly string[]): FastifyReply {
  const existing = reply.getHeader('set-cookie');
  const before =
    existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  return reply
    .header('set-cookie', [...before, ...cookies])
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache');
}
