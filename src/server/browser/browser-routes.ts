import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpError, sendError } from '../http-errors.js';
import { requestContext } from '../routes/auth-routes.js';
import type { ServerContext } from '../server-context.js';
import { registerAccountRoutes } from './account-routes.js';
import { addCookies, clearedCookies, sessionCookies } from './browser-cookies.js';
import { BROWSER_STYLE } from './browser-style.js';
import { authenticateCookies, RefreshSingleFlight } from './cookie-session.js';
import { allowedOrigins, checkCsrfToken, checkRequestSource } from './csrf-rule.js';
import { STYLE_PATH } from './html-page.js';
import { cookieLogin, loginFailureMessage, registerLoginRoutes } from './login-routes.js';
import { seeOther, type BrowserRouteContext } from './page-support.js';

const loginBody = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    // No NUL: no username holds one, and PostgreSQL's text cannot.
    username: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\u0000]*$' },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

/** 403 for an API request that fails the CSRF rule (docs/browser.md). */
function csrfRejected(reply: FastifyReply, description: string): FastifyReply {
  return sendError(reply, new HttpError(403, 'csrf_rejected', description));
}

/**
 * Cookie mode and the account pages (issue 6): `/login`, `/account` and their forms, the JSON
 * endpoints a same-origin single-page app uses (`/auth/browser/*`) and the style sheet. The
 * security headers on every response are buildApp's (see security-headers.ts).
 *
 * @example
 * registerBrowserRoutes(app, context);
 */
export function registerBrowserRoutes(app: FastifyInstance, context: ServerContext): void {
  const routes: BrowserRouteContext = {
    context,
    flights: new RefreshSingleFlight(),
    allowed: allowedOrigins(context.config),
  };

  app.get(STYLE_PATH, async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(BROWSER_STYLE),
  );
  app.get('/', async (_request, reply) => seeOther(reply, '/account'));

  registerLoginRoutes(app, routes);
  registerAccountRoutes(app, routes);

  // For a single-page app on this origin (or behind a BFF): the session lives in cookies, and
  // no token ever appears in a body.
  app.post<{ Body: { username: string; password: string } }>(
    '/auth/browser/login',
    { schema: { body: loginBody } },
    async (request, reply) => {
      const source = checkRequestSource(request, routes.allowed);
      if (source !== null) return csrfRejected(reply, source);
      const result = await cookieLogin(
        routes,
        request,
        request.body.username,
        request.body.password,
      );
      if (!result.ok) {
        const failure = loginFailureMessage(result);
        throw new HttpError(
          failure.status,
          result.reason === 'throttled' ? 'too_many_attempts' : 'invalid_credentials',
          failure.text,
          failure.headers,
        );
      }
      addCookies(reply, sessionCookies(context, result.tokens));
      return reply.code(204).send();
    },
  );

  app.get('/auth/browser/session', async (request, reply) => {
    const auth = await authenticateCookies(request, context, routes.flights);
    if (auth.kind !== 'session') {
      if (auth.kind === 'ended') addCookies(reply, clearedCookies(context, auth.clear));
      throw new HttpError(401, 'login_required', 'no browser session; sign in first');
    }
    const { session } = auth;
    if (session.setCookies.length > 0) addCookies(reply, session.setCookies);
    const user = await context.store.findUserById(session.userId);
    return reply.header('cache-control', 'no-store').send({
      user_id: session.userId,
      username: user?.username ?? null,
      session_id: session.sessionId,
      expires_at: new Date(session.token.claims.exp * 1000).toISOString(),
    });
  });

  app.post('/auth/browser/logout', async (request, reply) => {
    const source = checkRequestSource(request, routes.allowed);
    if (source !== null) return csrfRejected(reply, source);
    const auth = await authenticateCookies(request, context, routes.flights);
    if (auth.kind !== 'session') {
      if (auth.kind === 'ended') addCookies(reply, clearedCookies(context, auth.clear));
      throw new HttpError(401, 'login_required', 'no browser session; sign in first');
    }
    const refusal = checkCsrfToken(request, auth.session.csh, false);
    if (refusal !== null) return csrfRejected(reply, refusal);
    await context.sessions.endSession(
      auth.session.userId,
      auth.session.sessionId,
      'logout',
      requestContext(request),
    );
    addCookies(reply, clearedCookies(context));
    return reply.code(204).send();
  });
}
