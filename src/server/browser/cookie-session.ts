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

/**
 * Which browser-mode cookies a dead session's response clears: `all` of them, or only the
 * `access` cookie when the request carried no refresh cookie. A cross-site top-level GET
 * brings the Lax access cookie but never the Strict ones: those were merely not sent, and
 * clearing them would log the browser out from a link on another site.
 */
export type CookiesToClear = 'all' | 'access';

/** What the cookies of a request come to. */
export type CookieAuthentication =
  | { readonly kind: 'session'; readonly session: CookieSession }
  /** No browser-mode cookie at all: never logged in here. */
  | { readonly kind: 'none' }
  /** Cookies that no longer work (session ended, expired, revoked, or not a cookie session). */
  | { readonly kind: 'ended'; readonly clear: CookiesToClear };

/** What a refresh comes to: new tokens, or why not. */
export type RefreshOutcome = { readonly ok: true; readonly tokens: IssuedTokens } | RefreshFailure;

/**
 * Concurrent refreshes with the same refresh token share one rotation (single flight): two
 * tabs whose access cookie expired together make one refresh, not a reuse. Across processes
 * the store's grace window gives the second presentation the same successor.
 *
 * @example
 * const flights = new RefreshSingleFlight();
 * const outcome = await flights.run(refreshToken, () => sessions.refresh(input, ctx));
 */
export class RefreshSingleFlight {
  readonly #pending = new Map<string, Promise<RefreshOutcome>>();

  /** How many refreshes are under way (none once every one has settled). */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Run `refresh` for `refreshToken`, or join the run already under way; every caller gets
   * the same outcome, a rejection included.
   */
  run(refreshToken: string, refresh: () => Promise<RefreshOutcome>): Promise<RefreshOutcome> {
    const pending = this.#pending.get(refreshToken);
    if (pending !== undefined) return pending;
    const started = refresh().finally(() => this.#pending.delete(refreshToken));
    this.#pending.set(refreshToken, started);
    return started;
  }
}

/** A cookie-mode access token's session, or why there is none. */
type CookieToken =
  | { readonly ok: true; readonly session: CookieSession }
  /** `expired`: refresh it; `refused`: anything else, which a refresh must not paper over. */
  | { readonly ok: false; readonly reason: 'expired' | 'refused'; readonly revoked: boolean };

/** The verified claims of a cookie-mode access token, or why it cannot be used. */
function verifyCookieToken(context: ServerContext, token: string): CookieToken {
  let verified: VerifiedJwt;
  try {
    verified = context.verifier.verify(token);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return {
      ok: false,
      reason: error.code === 'ERR_JWT_EXPIRED' ? 'expired' : 'refused',
      revoked: error.code === 'ERR_JWT_REVOKED',
    };
  }
  const { sub, sid, csh } = verified.claims;
  // A token without csh was not issued to a cookie session: one pasted into the cookie by
  // hand must not slip past the CSRF rule.
  if (sub === undefined || sid === undefined || typeof csh !== 'string') {
    return { ok: false, reason: 'refused', revoked: false };
  }
  return {
    ok: true,
    session: { token: verified, userId: sub, sessionId: sid, csh, setCookies: [] },
  };
}

/**
 * Authenticate a request by its browser-mode cookies, refreshing transparently: an access
 * cookie that is missing or expired, with a refresh cookie beside it, is replaced by a
 * rotation (whose new cookies the caller sets). Any other refusal of the access cookie
 * (revoked, badly signed, not a cookie session) is never refreshed around: the session is
 * over, and a revoked token ends the session its refresh cookie belongs to. Fails closed
 * while revocations are stale, and checks that before rotating, so an outage never spends a
 * refresh token whose successor the browser would not receive.
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
  const given = cookies.get(BROWSER_COOKIES.refresh);
  const refreshToken = given === undefined || given === '' ? null : given;
  if (access === undefined && refreshToken === null) return { kind: 'none' };
  const clear: CookiesToClear = refreshToken === null ? 'access' : 'all';
  if (access !== undefined && access !== '') {
    const verified = verifyCookieToken(context, access);
    if (verified.ok) {
      requireFreshRevocations(context);
      return { kind: 'session', session: verified.session };
    }
    if (verified.reason === 'refused') {
      // A revoked access token means its session must not live on through the refresh
      // cookie; ending it (not rotating) leaves nothing for a thief holding both cookies.
      if (verified.revoked && refreshToken !== null) {
        await context.sessions.endSessionByRefreshToken(
          refreshToken,
          FIRST_PARTY_CLIENT_ID,
          requestContext(request),
        );
      }
      return { kind: 'ended', clear };
    }
  }
  if (refreshToken === null) return { kind: 'ended', clear };
  // Before rotating: a rotation whose answer is then a 503 would leave the browser holding
  // a spent refresh token, which after the grace window reads as reuse and ends the session.
  requireFreshRevocations(context);
  const outcome = await flights.run(refreshToken, () =>
    context.sessions.refresh(
      { refreshToken, clientId: FIRST_PARTY_CLIENT_ID, dpopJkt: null, bindToKey: false },
      requestContext(request),
    ),
  );
  if (!outcome.ok) return { kind: 'ended', clear };
  const verified = verifyCookieToken(context, outcome.tokens.accessToken);
  if (!verified.ok) return { kind: 'ended', clear };
  return {
    kind: 'session',
    session: { ...verified.session, setCookies: sessionCookies(context, outcome.tokens) },
  };
}
