import type { FastifyInstance } from 'fastify';
import { formatAccessToken } from '../../sessions/access-token-encryption.js';
import { FIRST_PARTY_CLIENT_ID } from '../../sessions/auth-policy.js';
import { signAccessToken } from '../../token/access-token.js';
import { TokenError } from '../../token/errors.js';
import { requireFreshRevocations } from '../bearer-auth.js';
import { authenticateClient, type FormBody } from '../client-auth.js';
import { checkTokenRequestProof } from '../dpop-request.js';
import { HttpError } from '../http-errors.js';
import { requestedScope } from '../requested-scope.js';
import type { ServerContext } from '../server-context.js';
import { requestContext } from './auth-routes.js';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

function field(body: FormBody, name: string): string {
  const value = body[name];
  if (value === undefined || value === '')
    throw new HttpError(400, 'invalid_request', `${name} is required`);
  return value;
}

/** client_credentials: the scopes asked for, or every scope of the client when none are. */
function grantScope(requested: string | undefined, allowed: readonly string[]): string {
  return requestedScope(requested, allowed) || allowed.join(' ');
}

/** `/oauth/*`: the token (RFC 6749), revocation (RFC 7009) and introspection (RFC 7662) endpoints. */
export function registerOAuthRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, sessions, config, keys, clock, verifier } = context;

  app.post<{ Body: FormBody }>('/oauth/token', async (request, reply) => {
    const body = formBody(request.body);
    const grantType = field(body, 'grant_type');
    // RFC 9449 §5: the proof is checked before anything else, so a nonce round trip costs no
    // client authentication and no refresh-token lookup.
    const proof = await checkTokenRequestProof(request, context);
    const dpopJkt = proof?.jkt ?? null;
    const { client, confidential } = await authenticateClient(
      request,
      body,
      store,
      FIRST_PARTY_CLIENT_ID,
    );
    if (grantType === 'refresh_token') {
      const result = await sessions.refresh(
        {
          refreshToken: field(body, 'refresh_token'),
          clientId: client.clientId,
          dpopJkt,
          // RFC 9449 §5: only a public client's refresh tokens are bound; a confidential
          // client proves itself with its secret at every refresh already.
          bindToKey: !confidential,
        },
        requestContext(request),
      );
      if (!result.ok) {
        throw new HttpError(
          400,
          'invalid_grant',
          result.reason === 'key_mismatch'
            ? 'the refresh token is bound to a DPoP key; send a proof made with that key'
            : 'the refresh token is invalid, expired or revoked',
        );
      }
      const { tokens } = result;
      return reply.headers(NO_STORE).send({
        access_token: tokens.accessToken,
        token_type: tokens.tokenType,
        expires_in: tokens.expiresIn,
        refresh_token: tokens.refreshToken,
        // Seconds left in the session's absolute lifetime: the refresh token cannot outlive
        // it, and a gateway re-setting the refresh cookie takes its Max-Age from here.
        refresh_token_expires_in: Math.max(
          0,
          Math.floor((tokens.sessionExpiresAt - clock.now()) / 1000),
        ),
        ...(tokens.scope === '' ? {} : { scope: tokens.scope }),
      });
    }
    if (grantType === 'client_credentials') {
      // RFC 6749 §4.4: only confidential clients, and no refresh token.
      if (!confidential)
        throw new HttpError(
          400,
          'unauthorized_client',
          'client_credentials needs a confidential client',
        );
      const scope = grantScope(body['scope'], client.scopes);
      const audience = tokenAudience(body['resource'], context);
      const jws = signAccessToken(
        {
          issuer: config.issuer,
          subject: client.clientId,
          audience,
          clientId: client.clientId,
          scope,
          ttlSeconds: config.accessTokenTtlSeconds,
          clock,
          ...(dpopJkt === null ? {} : { extraClaims: { cnf: { jkt: dpopJkt } } }),
        },
        keys.getSigningKey(),
      );
      // Sign, then encrypt for the audience (RFC 7519 §11.2) when it asked for private tokens.
      const accessToken = await formatAccessToken(jws, audience, config.accessTokenEncryption);
      return reply.headers(NO_STORE).send({
        access_token: accessToken,
        token_type: dpopJkt === null ? 'Bearer' : 'DPoP',
        expires_in: config.accessTokenTtlSeconds,
        ...(scope === '' ? {} : { scope }),
      });
    }
    throw new HttpError(
      400,
      'unsupported_grant_type',
      'grant_type must be refresh_token or client_credentials',
    );
  });

  app.post<{ Body: FormBody }>('/oauth/revoke', async (request, reply) => {
    const body = formBody(request.body);
    const { client } = await authenticateClient(request, body, store, FIRST_PARTY_CLIENT_ID);
    const token = field(body, 'token');
    if (COMPACT_JWE.test(token)) {
      // An encrypted token is sealed for its audience: the server holds no key to read its
      // jti, so it says so (RFC 7009 §2.2.1) rather than answer 200 and revoke nothing.
      throw new HttpError(
        400,
        'unsupported_token_type',
        'encrypted access tokens cannot be revoked by their text; end their session, or remove their client (tessera clients remove)',
      );
    }
    // RFC 7009 §2.2: an unknown or already invalid token is not an error.
    if (token.includes('.')) {
      await revokeAccessToken(context, token, client.clientId);
    } else {
      await sessions.endSessionByRefreshToken(token, client.clientId, requestContext(request));
    }
    return reply.headers(NO_STORE).code(200).send();
  });

  app.post<{ Body: FormBody }>('/oauth/introspect', async (request, reply) => {
    const body = formBody(request.body);
    const { confidential } = await authenticateClient(request, body, store, FIRST_PARTY_CLIENT_ID);
    if (!confidential)
      throw new HttpError(401, 'invalid_client', 'introspection needs a confidential client');
    const token = field(body, 'token');
    return reply.headers(NO_STORE).send(await introspect(context, token));
  });

  async function introspect(ctx: ServerContext, token: string): Promise<Record<string, unknown>> {
    if (token.includes('.')) {
      let claims;
      try {
        ({ claims } = verifier.verify(token));
      } catch (error) {
        if (error instanceof TokenError) return { active: false };
        throw error;
      }
      // "active" promises the token is not revoked: only say so with a current denylist.
      requireFreshRevocations(ctx);
      return { active: true, token_type: 'access_token', ...claims };
    }
    const view = await ctx.sessions.describeRefreshToken(token);
    if (view === null) return { active: false };
    return {
      active: true,
      token_type: 'refresh_token',
      client_id: view.session.clientId,
      sub: view.session.userId,
      sid: view.session.id,
      scope: view.session.scope,
      // RFC 9449 §6.2: introspection names the key a bound token needs.
      ...(view.session.dpopJkt === null ? {} : { cnf: { jkt: view.session.dpopJkt } }),
      iat: Math.floor(view.token.createdAt / 1000),
      exp: Math.floor(Math.min(view.session.idleExpiresAt, view.session.absoluteExpiresAt) / 1000),
      iss: config.issuer,
    };
  }
}

/** Five dot-separated base64url segments: a compact JWE (RFC 7516 §7.1). */
const COMPACT_JWE = /^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * The `aud` of a client_credentials token: the server's own audience, or the resource server
 * the client names in `resource` (RFC 8707 §2), which must be one configured for encrypted
 * tokens (the only other audiences this server knows).
 *
 * @throws HttpError 400 `invalid_target` for any other resource.
 */
function tokenAudience(resource: string | undefined, context: ServerContext): string {
  const { audience, accessTokenEncryption } = context.config;
  if (resource === undefined || resource === audience) return audience;
  if (!accessTokenEncryption.has(resource)) {
    throw new HttpError(
      400,
      'invalid_target',
      'resource is not an audience this server issues tokens for',
    );
  }
  return resource;
}

/** Revoke an access token by its `jti` if it is ours, unexpired and issued to this client. */
async function revokeAccessToken(
  context: ServerContext,
  token: string,
  clientId: string,
): Promise<void> {
  let claims;
  try {
    ({ claims } = context.verifier.verify(token));
  } catch (error) {
    if (error instanceof TokenError) return;
    throw error;
  }
  if (claims.jti === undefined || claims.client_id !== clientId) return;
  const now = context.clock.now();
  const event = {
    kind: 'jti' as const,
    value: claims.jti,
    at: now,
    expiresAt: (claims.exp + context.config.clockToleranceSeconds) * 1000,
  };
  await context.store.appendRevocation(event, {
    at: now,
    type: 'token.revoked',
    userId: claims.sub ?? null,
    sessionId: claims.sid ?? null,
    clientId,
    ip: null,
    detail: {},
  });
  await context.afterRevocation();
}

function formBody(body: unknown): FormBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(
      400,
      'invalid_request',
      'the body must be application/x-www-form-urlencoded',
    );
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    // RFC 6749 §3.2: parameters must not be repeated.
    if (typeof value !== 'string')
      throw new HttpError(400, 'invalid_request', `parameter ${key} must appear once`);
    result[key] = value;
  }
  return result;
}
