import { TESSERA_COOKIE_PREFIX, TESSERA_COOKIES } from '../../verifier/http/tessera-cookies.js';

/**
 * Refresh cookie lifetime when the auth server does not say (`refresh_token_expires_in`): its
 * default absolute session lifetime. A cookie that outlives its session is harmless: the next
 * refresh is refused and the cookies are cleared.
 */
export const DEFAULT_SESSION_SECONDS = 30 * 86_400;

/** What the gateway re-sets after a transparent refresh. */
export interface SessionCookieValues {
  readonly accessToken: string;
  readonly accessMaxAge: number;
  readonly refreshToken: string;
  readonly refreshMaxAge: number;
  /** The session's CSRF and fingerprint cookies as the request carried them (they never change). */
  readonly csrf: string | undefined;
  readonly fingerprint: string | undefined;
  readonly accessSameSite: 'Lax' | 'Strict';
}

/**
 * `Set-Cookie` values for a refreshed session, with the attributes of the browser-mode contract
 * (docs/gateway.md): `__Host-` names, Secure, Path=/, no Domain; HttpOnly except the CSRF
 * cookie, which same-origin script copies into `X-CSRF-Token`; SameSite=Strict except the
 * access cookie (Lax unless configured Strict).
 */
export function sessionSetCookies(values: SessionCookieValues): string[] {
  const cookies = [
    cookie(TESSERA_COOKIES.access, values.accessToken, values.accessMaxAge, {
      httpOnly: true,
      sameSite: values.accessSameSite,
    }),
    cookie(TESSERA_COOKIES.refresh, values.refreshToken, values.refreshMaxAge, {
      httpOnly: true,
      sameSite: 'Strict',
    }),
  ];
  if (values.csrf !== undefined) {
    cookies.push(
      cookie(TESSERA_COOKIES.csrf, values.csrf, values.refreshMaxAge, {
        httpOnly: false,
        sameSite: 'Strict',
      }),
    );
  }
  if (values.fingerprint !== undefined) {
    cookies.push(
      cookie(TESSERA_COOKIES.fingerprint, values.fingerprint, values.refreshMaxAge, {
        httpOnly: true,
        sameSite: 'Strict',
      }),
    );
  }
  return cookies;
}

/** `Set-Cookie` values that clear every session cookie: same names and attributes, Max-Age=0. */
export function clearedSessionCookies(accessSameSite: 'Lax' | 'Strict'): string[] {
  return [
    cookie(TESSERA_COOKIES.access, '', 0, { httpOnly: true, sameSite: accessSameSite }),
    cookie(TESSERA_COOKIES.refresh, '', 0, { httpOnly: true, sameSite: 'Strict' }),
    cookie(TESSERA_COOKIES.csrf, '', 0, { httpOnly: false, sameSite: 'Strict' }),
    cookie(TESSERA_COOKIES.fingerprint, '', 0, { httpOnly: true, sameSite: 'Strict' }),
  ];
}

/**
 * A `Cookie` header value without any `__Host-tessera-*` cookie (in any case), or null when
 * nothing is left: the upstream never receives a token or a session secret of ours.
 */
export function withoutTesseraCookies(value: string): string | null {
  const prefix = TESSERA_COOKIE_PREFIX.toLowerCase();
  const kept = value
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && !pair.toLowerCase().startsWith(prefix));
  return kept.length === 0 ? null : kept.join('; ');
}

function cookie(
  name: string,
  value: string,
  maxAge: number,
  options: { readonly httpOnly: boolean; readonly sameSite: 'Lax' | 'Strict' },
): string {
  const parts = [
    `${name}=${value}`,
    `Max-Age=${Math.max(0, Math.floor(maxAge))}`,
    'Path=/',
    'Secure',
  ];
  if (options.httpOnly) parts.push('HttpOnly');
  parts.push(`SameSite=${options.sameSite}`);
  return parts.join('; ');
}
