import type { IncomingHttpHeaders } from 'node:http';
import {
  authFailure,
  type AuthenticationFailure,
} from '../verifier/http/authentication-failure.js';
import { checkRequestOrigin, isStateChangingRequest } from '../verifier/http/csrf-rule.js';
import type {
  AuthenticateOptions,
  AuthenticationRequest,
  AuthenticationResult,
  RequestAuthenticator,
} from '../verifier/http/request-authenticator.js';
import { isCookieRefusal, readTesseraCookies } from '../verifier/http/request-cookies.js';
import { formatChallenge } from '../verifier/http/www-authenticate.js';
import type { CookieSessionConfig } from './internal/resolve-cookie-session.js';
import {
  clearedSessionCookies,
  DEFAULT_SESSION_SECONDS,
  sessionSetCookies,
} from './internal/session-cookies.js';
import type { SessionRefresher } from './session-refresher.js';

/** Browser mode of a running gateway: its settings and its refresher. */
export interface CookieSessionParts {
  readonly config: CookieSessionConfig;
  readonly refresher: SessionRefresher;
  /** `realm` of the Bearer challenges, as the authenticator was given it; default `tessera`. */
  readonly realm?: string;
}

/** What authenticating a request gave, and the cookies to set on whatever answers it. */
export interface GatedAuthentication {
  readonly result: AuthenticationResult;
  /** `Set-Cookie` values: a refreshed session, or a cleared one. */
  readonly setCookies: readonly string[];
}

/** Seconds a client is told to wait when the auth server cannot refresh its session. */
const REFRESH_RETRY_AFTER_SECONDS = 5;

/**
 * Authenticate a gateway request; in browser mode, refresh the session transparently when the
 * request has no access cookie, or one whose token expired, and has a refresh cookie. The
 * refresher spends each refresh token once however many requests wait on it (single flight).
 *
 * - Refreshed: the request is judged with the new access token (CSRF rule included), and the
 *   session's cookies are set again on the answer.
 * - `invalid_grant` (the session is over): 401 `invalid_token`, every session cookie cleared.
 * - The auth server cannot answer: 503 with `Retry-After`; the cookies are kept, since the
 *   session may be fine.
 *
 * A state-changing request must pass the origin half of the CSRF rule before anything is
 * refreshed, so a forged request cannot even rotate the victim's refresh token.
 */
export async function authenticateWithSession(
  authenticator: RequestAuthenticator,
  session: CookieSessionParts | null,
  request: AuthenticationRequest & {
    readonly headers: IncomingHttpHeaders;
    /** The client's address: its share of the refreshes under way is capped. */
    readonly clientAddress?: string | undefined;
  },
  options: AuthenticateOptions,
  onError: (error: unknown) => void,
): Promise<GatedAuthentication> {
  const first = await authenticator.authenticate(request, options);
  const unchanged = { result: first, setCookies: [] };
  if (session === null || first.ok || request.headers.authorization !== undefined) {
    return unchanged;
  }
  if (first.code !== 'ERR_AUTH_TOKEN_MISSING' && first.code !== 'ERR_JWT_EXPIRED') {
    return unchanged;
  }
  const jar = readTesseraCookies(request.headers.cookie);
  if (isCookieRefusal(jar) || jar.refresh === undefined) return unchanged;
  if (isStateChangingRequest(request.method, request.headers)) {
    const reason = checkRequestOrigin(
      { secFetchSite: request.headers['sec-fetch-site'], origin: request.headers.origin },
      new Set(session.config.browserOrigins),
    );
    if (reason !== null) {
      return {
        result: authFailure(403, 'csrf_rejected', 'ERR_AUTH_CSRF_REJECTED', reason, {}),
        setCookies: [],
      };
    }
  }
  const outcome = await session.refresher.refresh(jar.refresh, request.clientAddress);
  if (!outcome.ok) {
    if (outcome.reason === 'invalid_grant') {
      const description = 'the session has ended; sign in again';
      return {
        result: authFailure(401, 'invalid_token', 'ERR_AUTH_SESSION_ENDED', description, {
          'www-authenticate': formatChallenge('Bearer', {
            realm: session.realm ?? 'tessera',
            error: 'invalid_token',
            error_description: description,
          }),
        }),
        setCookies: clearedSessionCookies(session.config.accessSameSite),
      };
    }
    onError(new Error(outcome.detail));
    return {
      result: sessionUnavailable(),
      setCookies: [],
    };
  }
  const second = await authenticator.authenticate(request, {
    ...options,
    accessCookie: outcome.accessToken,
  });
  return {
    result: second,
    // No cookie outlives the session: the server says how long it has left. The access token
    // may have been issued for longer than that, but its cookie need not stay past the end.
    setCookies: sessionSetCookies({
      accessToken: outcome.accessToken,
      accessMaxAge: Math.min(outcome.expiresIn, outcome.refreshExpiresIn ?? outcome.expiresIn),
      refreshToken: outcome.refreshToken,
      refreshMaxAge: outcome.refreshExpiresIn ?? DEFAULT_SESSION_SECONDS,
      csrf: jar.csrf,
      fingerprint: jar.fingerprint,
      accessSameSite: session.config.accessSameSite,
    }),
  };
}

function sessionUnavailable(): AuthenticationFailure {
  return authFailure(
    503,
    'temporarily_unavailable',
    'ERR_AUTH_SESSION_REFRESH_UNAVAILABLE',
    'the session cannot be refreshed now; retry shortly',
    { 'retry-after': String(REFRESH_RETRY_AFTER_SECONDS) },
  );
}
