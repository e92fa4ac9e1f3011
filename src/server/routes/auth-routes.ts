import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FIRST_PARTY_CLIENT_ID } from '../../sessions/auth-policy.js';
import type { RequestContext } from '../../sessions/session-service.js';
import type { Store } from '../../store/store.js';
import { authenticateBearer, sessionOf } from '../bearer-auth.js';
import { addCookies, fingerprintCookie } from '../browser/browser-cookies.js';
import { checkTokenRequestProof } from '../dpop-request.js';
import { HttpError } from '../http-errors.js';
import { requestedScope } from '../requested-scope.js';
import type { ServerContext } from '../server-context.js';

const loginBody = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 256 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    client_id: { type: 'string', minLength: 1, maxLength: 256 },
    scope: { type: 'string', maxLength: 1024 },
    // The token sidecar (docs/browser.md): bind the session's tokens to an HttpOnly cookie.
    fingerprint_cookie: { type: 'boolean' },
  },
} as const;

interface LoginBody {
  readonly username: string;
  readonly password: string;
  readonly client_id?: string;
  readonly scope?: string;
  readonly fingerprint_cookie?: boolean;
}

/** Where a request came from, for the session record and the audit log. */
export function requestContext(request: FastifyRequest): RequestContext {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent : null };
}

/**
 * The scope of a login for `clientId`. This endpoint cannot authenticate a client, so it may
 * name only the first-party client or a registered public one (a confidential client's id
 * would mint user tokens in its name), and only scopes that client may have (RFC 6749 §3.3).
 *
 * @throws HttpError 400 `invalid_client` or `invalid_scope`.
 */
async function loginScope(
  store: Store,
  clientId: string,
  requested: string | undefined,
): Promise<string> {
  let allowed: readonly string[] = [];
  if (clientId !== FIRST_PARTY_CLIENT_ID) {
    const client = await store.findClient(clientId);
    if (client === null || client.secretHash !== null) {
      throw new HttpError(
        400,
        'invalid_client',
        'client_id must name the first-party client or a registered public client',
      );
    }
    allowed = client.scopes;
  }
  return requestedScope(requested, allowed);
}

/** `/auth/*`: first-party login, logout, and a user's own sessions. */
export function registerAuthRoutes(app: FastifyInstance, context: ServerContext): void {
  const { sessions } = context;

  app.post<{ Body: LoginBody }>(
    '/auth/login',
    { schema: { body: loginBody } },
    async (request, reply) => {
      const body = request.body;
      // The proof first: a client that must fetch a nonce learns it before any password is
      // checked (and counted by throttling).
      const proof = await checkTokenRequestProof(request, context);
      const clientId = body.client_id ?? FIRST_PARTY_CLIENT_ID;
      const scope = await loginScope(context.store, clientId, body.scope);
      const result = await sessions.login(
        {
          username: body.username,
          password: body.password,
          clientId,
          scope,
          dpopJkt: proof?.jkt ?? null,
          ...(body.fingerprint_cookie === true ? { browserBinding: 'fingerprint' as const } : {}),
        },
        requestContext(request),
      );
      if (!result.ok) {
        if (result.reason === 'throttled') {
          throw new HttpError(429, 'too_many_attempts', 'too many failed logins; try again later', {
            'retry-after': String(result.retryAfterSeconds),
          });
        }
        throw new HttpError(401, 'invalid_credentials', 'the username or password is wrong');
      }
      const { tokens } = result;
      // OWASP token sidecar: the token carries fgp, the hash of this HttpOnly cookie's value,
      // so a token stolen by script is refused in any browser that lacks the cookie.
      if (body.fingerprint_cookie === true) addCookies(reply, [fingerprintCookie(context, tokens)]);
      return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send({
        access_token: tokens.accessToken,
        token_type: tokens.tokenType,
        expires_in: tokens.expiresIn,
        refresh_token: tokens.refreshToken,
        session_id: tokens.sessionId,
        ...(tokens.scope === '' ? {} : { scope: tokens.scope }),
      });
    },
  );

  app.post('/auth/logout', async (request, reply) => {
    const { userId, sessionId } = sessionOf(await authenticateBearer(request, context));
    await sessions.endSession(userId, sessionId, 'logout', requestContext(request));
    return reply.code(204).send();
  });

  app.post('/auth/logout-all', async (request, reply) => {
    const { userId } = sessionOf(await authenticateBearer(request, context));
    await sessions.endAllSessions(userId, requestContext(request));
    return reply.code(204).send();
  });

  app.get('/auth/sessions', async (request, reply) => {
    const { userId, sessionId } = sessionOf(await authenticateBearer(request, context));
    const list = await sessions.listSessions(userId);
    return reply.headers({ 'cache-control': 'no-store' }).send({
      sessions: list.map((session) => ({
        id: session.id,
        client_id: session.clientId,
        user_agent: session.userAgent,
        ip: session.ip,
        created_at: new Date(session.createdAt).toISOString(),
        last_used_at: new Date(session.lastUsedAt).toISOString(),
        expires_at: new Date(
          Math.min(session.idleExpiresAt, session.absoluteExpiresAt),
        ).toISOString(),
        current: session.id === sessionId,
      })),
    });
  });

  app.delete<{ Params: { id: string } }>('/auth/sessions/:id', async (request, reply) => {
    const { userId } = sessionOf(await authenticateBearer(request, context));
    const ended = await sessions.endSession(
      userId,
      request.params.id,
      'ended_by_user',
      requestContext(request),
    );
    // Another user's session and a missing one answer alike, so ids cannot be probed.
    if (!ended) throw new HttpError(404, 'not_found', 'no such live session');
    return reply.code(204).send();
  });
}
