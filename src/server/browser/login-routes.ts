import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FIRST_PARTY_CLIENT_ID } from '../../sessions/auth-policy.js';
import type { IssuedTokens, LoginFailure } from '../../sessions/session-service.js';
import { requestContext } from '../routes/auth-routes.js';
import { addCookies, sessionCookies } from './browser-cookies.js';
import { authenticateCookies } from './cookie-session.js';
import { checkRequestSource } from './csrf-rule.js';
import type { PageMessage } from './html-page.js';
import { renderLoginPage, renderRefusalPage } from './login-page.js';
import {
  formField,
  formSession,
  seeOther,
  sendHtml,
  toLogin,
  type BrowserRouteContext,
} from './page-support.js';

/** Notices the login page shows after a redirect, by `?done=`. */
const NOTICES: ReadonlyMap<string, string> = new Map([
  ['logout', 'You are logged out.'],
  ['everywhere', 'You are logged out on every device.'],
]);

/**
 * What a failed login tells the person: the status and a message that names what to do.
 *
 * @example
 * const failure = loginFailureMessage({ ok: false, reason: 'throttled', retryAfterSeconds: 30 });
 * // { status: 429, text: 'Too many failed attempts. Try again in 30 s.', headers: { 'retry-after': '30' } }
 */
export function loginFailureMessage(failure: LoginFailure): {
  status: number;
  text: string;
  headers: Record<string, string>;
} {
  if (failure.reason === 'throttled') {
    const seconds = failure.retryAfterSeconds;
    return {
      status: 429,
      text: `Too many failed attempts. Try again in ${seconds} s.`,
      headers: { 'retry-after': String(seconds) },
    };
  }
  return { status: 401, text: 'The username or password is wrong.', headers: {} };
}

/**
 * Start a cookie-mode session: the first-party client, no scope, and the session remembered
 * as `cookie` so that every refresh issues tokens with `csh`.
 *
 * @throws ThrottleUnavailableError when the shared login throttle cannot be reached.
 * @example
 * const result = await cookieLogin(routes, request, username, password);
 * if (result.ok) addCookies(reply, sessionCookies(context, result.tokens));
 */
export async function cookieLogin(
  routes: BrowserRouteContext,
  request: FastifyRequest,
  username: string,
  password: string,
): Promise<{ ok: true; tokens: IssuedTokens } | LoginFailure> {
  return routes.context.sessions.login(
    {
      username,
      password,
      clientId: FIRST_PARTY_CLIENT_ID,
      scope: '',
      dpopJkt: null,
      browserBinding: 'cookie',
    },
    requestContext(request),
  );
}

/**
 * `/login` (the form) and `/logout`.
 *
 * @example
 * registerLoginRoutes(app, routes);
 */
export function registerLoginRoutes(app: FastifyInstance, routes: BrowserRouteContext): void {
  const { context } = routes;

  const showLogin = (
    reply: FastifyReply,
    status: number,
    username: string,
    message: PageMessage | null,
  ): FastifyReply => sendHtml(reply, status, renderLoginPage({ username, message }));

  app.get<{ Querystring: { done?: string } }>('/login', async (request, reply) => {
    const auth = await authenticateCookies(request, context, routes.flights);
    if (auth.kind === 'session') {
      if (auth.session.setCookies.length > 0) addCookies(reply, auth.session.setCookies);
      return seeOther(reply, '/account');
    }
    // A Map, not an object: `?done=__proto__` must find nothing, not Object.prototype.
    const notice = NOTICES.get(request.query.done ?? '');
    const message: PageMessage | null =
      notice === undefined ? null : { kind: 'notice', text: notice };
    return showLogin(reply, 200, '', message);
  });

  app.post('/login', async (request, reply) => {
    // Login CSRF: a page elsewhere must not sign the browser into an account of its choosing.
    const source = checkRequestSource(request, routes.allowed);
    if (source !== null)
      return sendHtml(reply, 403, renderRefusalPage('Sign-in refused', `Refused: ${source}.`));
    const username = formField(request.body, 'username') ?? '';
    const password = formField(request.body, 'password') ?? '';
    if (username.trim() === '' || password === '') {
      return showLogin(reply, 400, username, {
        kind: 'error',
        text: 'Enter your username and your password.',
      });
    }
    if (username.length > 256 || password.length > 1024) {
      return showLogin(reply, 400, '', { kind: 'error', text: 'That is too long to be valid.' });
    }
    const result = await cookieLogin(routes, request, username, password);
    if (!result.ok) {
      const failure = loginFailureMessage(result);
      reply.headers(failure.headers);
      return showLogin(reply, failure.status, username, { kind: 'error', text: failure.text });
    }
    addCookies(reply, sessionCookies(context, result.tokens));
    return seeOther(reply, '/account');
  });

  app.post('/logout', async (request, reply) => {
    const session = await formSession(request, reply, routes);
    if (session === null) return reply;
    await context.sessions.endSession(
      session.userId,
      session.sessionId,
      'logout',
      requestContext(request),
    );
    return toLogin(reply, context, '?done=logout');
  });
}
