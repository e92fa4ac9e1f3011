import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../server-context.js';
import { addCookies, clearedCookies } from './browser-cookies.js';
import {
  authenticateCookies,
  type CookieSession,
  type CookiesToClear,
  type RefreshSingleFlight,
} from './cookie-session.js';
import { checkCsrfToken, checkRequestSource } from './csrf-rule.js';
import { renderRefusalPage } from './login-page.js';

/** What the browser routes share: the server's context, the refresh single flight, the allowed origins. */
export interface BrowserRouteContext {
  readonly context: ServerContext;
  readonly flights: RefreshSingleFlight;
  readonly allowed: ReadonlySet<string>;
}

/**
 * Send a page. Pages are never cached: they show who is signed in, and the login page shows
 * what was typed.
 *
 * @example
 * return sendHtml(reply, 200, renderLoginPage(view));
 */
export function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .type('text/html; charset=utf-8')
    .send(html);
}

/**
 * 303 See Other (RFC 9110 §15.4.4): after a form POST the browser GETs the target, so a
 * reload never posts the form again.
 *
 * @example
 * return seeOther(reply, '/account');
 */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).header('cache-control', 'no-store').send();
}

/**
 * Clear the cookies and send the browser to the login page: the session is over. `clear`
 * says which cookies (all, or only the access cookie when the request carried no others).
 *
 * @example
 * return toLogin(reply, context, '?done=logout');
 */
export function toLogin(
  reply: FastifyReply,
  context: ServerContext,
  query = '',
  clear: CookiesToClear = 'all',
): FastifyReply {
  addCookies(reply, clearedCookies(context, clear));
  return seeOther(reply, `/login${query}`);
}

/**
 * One string field of a form body, or undefined (absent, repeated, not a form, or holding a
 * NUL character, which no username, password or token contains and PostgreSQL's text cannot
 * hold: it is treated as absent rather than carried to the store).
 *
 * @example
 * const username = formField(request.body, 'username') ?? '';
 */
export function formField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, name)) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' && !value.includes('\u0000') ? value : undefined;
}

/**
 * The session behind a page request, with the new cookies of a transparent refresh already on
 * the reply. A request without a working session has been answered (sent to `/login`): null.
 *
 * @example
 * const session = await pageSession(request, reply, routes);
 * if (session === null) return reply;
 */
export async function pageSession(
  request: FastifyRequest,
  reply: FastifyReply,
  routes: BrowserRouteContext,
): Promise<CookieSession | null> {
  const auth = await authenticateCookies(request, routes.context, routes.flights);
  if (auth.kind === 'none') {
    seeOther(reply, '/login');
    return null;
  }
  if (auth.kind === 'ended') {
    toLogin(reply, routes.context, '', auth.clear);
    return null;
  }
  if (auth.session.setCookies.length > 0) addCookies(reply, auth.session.setCookies);
  return auth.session;
}

/**
 * {@link pageSession} for a form POST, with the whole CSRF rule: the request's source first
 * (before a cookie is used or a refresh token spent), then the session, then its token from
 * the `_csrf` field or `X-CSRF-Token`. A refusal is answered with a 403 page: null.
 *
 * @example
 * const session = await formSession(request, reply, routes);
 */
export async function formSession(
  request: FastifyRequest,
  reply: FastifyReply,
  routes: BrowserRouteContext,
): Promise<CookieSession | null> {
  const source = checkRequestSource(request, routes.allowed);
  if (source !== null) {
    sendHtml(reply, 403, renderRefusalPage('Request refused', `Refused: ${source}.`));
    return null;
  }
  const session = await pageSession(request, reply, routes);
  if (session === null) return null;
  const token = checkCsrfToken(request, session.csh, true);
  if (token !== null) {
    sendHtml(reply, 403, renderRefusalPage('Request refused', `Refused: ${token}.`));
    return null;
  }
  return session;
}
