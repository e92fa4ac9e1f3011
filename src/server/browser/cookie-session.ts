import type { FastifyRequest } from 'fastify';
import { FIRST_PARTY_CLIENT_ID } from '../../sessions/auth-policy.js';
import type { IssuedTokens, RefreshFailure } from '../../sessions/session-service.js';
import { TokenError } from '../../token/errors.js';
import type { VerifiedJwt } from '../../token/verified-jwt.js';
import { requireFreshRevocations } from '../bearer-auth.js';
import type { ServerContext } from '../server-context.js';
import { requestContext } from '../routes/auth-routes.js';
import { BROWSER_COOKIES, parseCookieHeader, sessionCookies } from './browser-cookies.js';

/** A request authenticated by its cookies. */
export interface CookieSession {
  readonly token: VerifiedJwt;
  readonly userId: string;
  readonly sessionId: string;
  /** The access token's `csh`: what the CSRF token must hash to. */
  readonly csh: string;
  /** Cookies to set on the response: the new ones after a transparent refresh, else none. */
  readonly setCookies: readonly string[];
}

/** What the cookies of a request come to. */
export type CookieAuthentication =
  | { readonly kind: 'session'; readonly session: CookieSession }
  /** No browser-mode cookie at all: never logged in here. */
  | { readonly kind: 'none' }
  /** Cookies that no longer work (session ended, expired, or not a cookie session): clear them. */
  | { readonly kind: 'ended' };

type RefreshOutcome = { readonly ok: true; readonly tokens: IssuedTokens } | RefreshFailure;

/**
 * Concurrent refreshes with the same refresh token share one rotation (single flight): two
 * tabs whose access cookie expired together make one refresh, not a reuse. Across processes
 * the store's grace window gives the second presentation the same successor.
 */
export class RefreshSingleFlight {
  readonly #pending = new Map<string, Promise<RefreshOutcome>>();

  /** Run `refresh` for `refreshToken`, or join the run already under way. */
  run(refreshToken: string, refresh: () => Promise<RefreshOutcome>): Promise<RefreshOutcome> {
    const pending = this.#pending.get(refreshToken);
    if (pending !== undefined) return pending;
    const started = refresh().finally(() => this.#pending.delete(refreshToken));
    this.#pending.set(refreshToken, started);
    return started;
  }
}

/** The verified claims of a cookie-mode access token, or null when it is not one or not valid. */
function verifyCookieToken(context: ServerContext, token: string): CookieSession | null {
  let verified: VerifiedJwt;
  try {
    verified = context.verifier.verify(token);
  } catch (error) {
    if (error instanceof TokenError) return null;
    throw error;
  }
  const { sub, sid, csh } = verified.claims;
  // A token without csh was not issued to a cookie session: one pasted into the cookie by
  // hand must not slip past the CSRF rule.
  if (sub === undefined || sid === undefined || typeof csh !== 'string') return null;
  return { token: verified, userId: sub, sessionId: sid, csh, setCookies: [] };
}

/**
 * Authenticate a request by its browser-mode cookies, refreshing transparently: an access
 * cookie that is missing, expired or revoked, with a refresh cookie beside it, is replaced by
 * a rotation (whose new cookies the caller sets). Fails closed while revocations are stale.
 *
 * @throws HttpError 503 while revocations cannot be confirmed current.
 * @example
 * const auth = await authenticateCookies(request, context, flights);
 */
export async function authenticateCookies(
  request: FastifyRequest,
  context: ServerContext,
  flights: RefreshSingleFlight,
): Promise<CookieAuthentication> {
  const cookies = parseCookieHeader(request.headers.cookie);
  const access = cookies.get(BROWSER_COOKIES.access);
  const refreshToken = cookies.get(BROWSER_COOKIES.refresh);
  if (access === undefined && refreshToken === undefined) return { kind: 'none' };
  if (access !== undefined && access !== '') {
    const session = verifyCookieToken(context, access);
    if (session !== null) {
      requireFreshRevocations(context);
      return { kind: 'session', session };
    }
  }
  if (refreshToken === undefined || refreshToken === '') return { kind: 'ended' };
  const outcome = await flights.run(refreshToken, () =>
    context.sessions.refresh(
      { refreshToken, clientId: FIRST_PARTY_CLIENT_ID, dpopJkt: null, bindToKey: false },
      requestContext(request),
    ),
  );
  if (!outcome.ok) return { kind: 'ended' };
  const session = verifyCookieToken(context, outcome.tokens.accessToken);
  if (session === null) return { kind: 'ended' };
  requireFreshRevocations(context);
  return {
    kind: 'session',
    session: { ...session, setCookies: sessionCookies(context, outcome.tokens) },
  };
}
