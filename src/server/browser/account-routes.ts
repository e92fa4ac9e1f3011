import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenOf } from '../../sessions/browser-binding-keys.js';
import type { PasswordChangeResult } from '../../sessions/change-password.js';
import { requestContext } from '../routes/auth-routes.js';
import { renderAccountPage } from './account-page.js';
import type { CookieSession } from './cookie-session.js';
import type { PageMessage } from './html-page.js';
import {
  formField,
  formSession,
  pageSession,
  seeOther,
  sendHtml,
  toLogin,
  type BrowserRouteContext,
} from './page-support.js';

/** Notices the account page shows after a redirect, by `?done=`. */
const NOTICES: ReadonlyMap<string, string> = new Map([
  ['password', 'Your password is changed. Every other session has ended.'],
  ['ended', 'That session has ended.'],
  ['gone', 'That session had already ended.'],
]);

/**
 * The shape of a session id (16 random bytes, base64url). Anything else, a NUL character
 * included, names no session: it is answered like an unknown one and never reaches the store.
 */
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

/** The message and status of a refused password change. */
function passwordFailure(result: Exclude<PasswordChangeResult, { ok: true }>): {
  status: number;
  text: string;
} {
  switch (result.reason) {
    case 'wrong_password':
      return { status: 403, text: 'Your current password is not right.' };
    case 'throttled':
      return {
        status: 429,
        text: `Too many failed attempts. Try again in ${result.retryAfterSeconds} s.`,
      };
    case 'policy':
      return { status: 400, text: result.problem.message };
    case 'unknown_user':
      return { status: 403, text: 'This account cannot change its password.' };
  }
}

/**
 * `/account` and its forms: sessions, log out everywhere, change password.
 *
 * @example
 * registerAccountRoutes(app, routes);
 */
export function registerAccountRoutes(app: FastifyInstance, routes: BrowserRouteContext): void {
  const { context } = routes;

  const showAccount = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: CookieSession,
    status: number,
    message: PageMessage | null,
  ): Promise<FastifyReply> => {
    const user = await context.store.findUserById(session.userId);
    if (user === null || user.disabled) return toLogin(reply, context);
    const sessions = await context.sessions.listSessions(session.userId);
    return sendHtml(
      reply,
      status,
      renderAccountPage({
        username: user.username,
        currentSessionId: session.sessionId,
        sessions,
        csrf: csrfTokenOf(context.browserKeys, session.sessionId),
        message,
      }),
    );
  };

  app.get<{ Querystring: { done?: string } }>('/account', async (request, reply) => {
    const session = await pageSession(request, reply, routes);
    if (session === null) return reply;
    // A Map, not an object: `?done=__proto__` must find nothing, not Object.prototype.
    const notice = NOTICES.get(request.query.done ?? '');
    return showAccount(
      request,
      reply,
      session,
      200,
      notice === undefined ? null : { kind: 'notice', text: notice },
    );
  });

  app.post<{ Params: { id: string } }>('/account/sessions/:id/end', async (request, reply) => {
    const session = await formSession(request, reply, routes);
    if (session === null) return reply;
    const ended =
      SESSION_ID.test(request.params.id) &&
      (await context.sessions.endSession(
        session.userId,
        request.params.id,
        'ended_by_user',
        requestContext(request),
      ));
    if (request.params.id === session.sessionId) return toLogin(reply, context, '?done=logout');
    return seeOther(reply, ended ? '/account?done=ended' : '/account?done=gone');
  });

  app.post('/account/logout-all', async (request, reply) => {
    const session = await formSession(request, reply, routes);
    if (session === null) return reply;
    await context.sessions.endAllSessions(session.userId, requestContext(request));
    return toLogin(reply, context, '?done=everywhere');
  });

  app.post('/account/password', async (request, reply) => {
    const session = await formSession(request, reply, routes);
    if (session === null) return reply;
    const currentPassword = formField(request.body, 'current_password') ?? '';
    const newPassword = formField(request.body, 'new_password') ?? '';
    const confirm = formField(request.body, 'confirm_password') ?? '';
    const error = (status: number, text: string): Promise<FastifyReply> =>
      showAccount(request, reply, session, status, { kind: 'error', text });
    if (currentPassword === '' || newPassword === '')
      return error(400, 'Enter your current password and a new one.');
    // The login form's bound: a longer guess would cost a hash for nothing.
    if (currentPassword.length > 1024 || newPassword.length > 1024)
      return error(400, 'That is too long to be valid.');
    if (newPassword !== confirm) return error(400, 'The two new passwords are not the same.');
    const result = await context.sessions.changePassword(
      {
        userId: session.userId,
        sessionId: session.sessionId,
        currentPassword,
        newPassword,
      },
      requestContext(request),
    );
    if (!result.ok) {
      const failure = passwordFailure(result);
      // RFC 6585 §4: a 429 says how long to wait, as the login form's does.
      if (result.reason === 'throttled')
        reply.header('retry-after', String(result.retryAfterSeconds));
      return error(failure.status, failure.text);
    }
    return seeOther(reply, '/account?done=password');
  });
}
