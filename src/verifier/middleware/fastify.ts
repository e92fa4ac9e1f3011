import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestIdentity } from '../http/request-identity.js';
import { createMiddlewareCore, scopeList, type RouteRule } from './internal/middleware-core.js';
import type { AuthenticateRouteOptions, MiddlewareOptions } from './middleware-options.js';

// Fastify 5 hooks and plugin (`tessera/fastify`). Only Fastify's types are imported here, so
// this module loads no framework of its own.

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Set by Tessera's hooks: who the verified token speaks for; null on an optional route
     * without a token, and before any Tessera hook ran.
     */
    tessera: RequestIdentity | null;
  }
  interface FastifyInstance {
    /** The hooks of {@link tesseraPlugin}'s configuration. */
    tessera: FastifyAuth;
  }
}

/**
 * A route hook: use it as `onRequest` (before the body is read, so refused requests cost
 * least) or as `preHandler`.
 */
export type TesseraHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Fastify hooks of one configuration. */
export interface FastifyAuth {
  /**
   * A hook that requires a valid token (Bearer, or DPoP with its proof) and puts the identity
   * on `request.tessera`; otherwise it answers 400/401/503 with an RFC 6750
   * `WWW-Authenticate` challenge and a JSON body `{ error, error_description }`. With
   * `{ optional: true }`, a request without `Authorization` goes on with a null identity.
   */
  authenticate(options?: AuthenticateRouteOptions): TesseraHook;
  /**
   * A hook that requires every scope of `scopes` (403 `insufficient_scope` otherwise). It
   * authenticates the request itself, or reuses what an earlier hook of this instance found.
   */
  requireScope(scopes: string | readonly string[]): TesseraHook;
}

/**
 * Build Fastify hooks on a verifier (or a request authenticator). Every check is the request
 * authenticator's; refusals never carry a stack trace, and an unexpected error is answered
 * 500 `server_error` and passed to `onError`. Register {@link tesseraPlugin} instead to get
 * `request.tessera` declared up front and the hooks on `fastify.tessera`.
 *
 * @throws TypeError for missing or invalid options.
 * @example
 * import { createFastifyAuth } from 'tessera/fastify';
 * const auth = createFastifyAuth({ verifier, dpop: true });
 * app.get('/orders', { onRequest: auth.requireScope('orders:read') }, async (request) => ({
 *   for: request.tessera?.sub,
 * }));
 */
export function createFastifyAuth(options: MiddlewareOptions): FastifyAuth {
  const core = createMiddlewareCore(options);

  const hook =
    (rule: RouteRule): TesseraHook =>
    async (request, reply) => {
      const outcome = await core.decide(
        request,
        {
          method: request.method,
          target: request.url,
          headers: request.headers,
          socket: request.raw.socket,
        },
        rule,
      );
      if (outcome.ok) {
        request.tessera = outcome.identity;
        return;
      }
      // Fastify stops running hooks once a reply is sent.
      await reply.code(outcome.status).headers(outcome.headers).send(outcome.body);
    };

  return Object.freeze({
    authenticate: (routeOptions: AuthenticateRouteOptions = {}) =>
      hook({ optional: routeOptions.optional === true, scopes: [] }),
    requireScope: (scopes: string | readonly string[]) =>
      hook({ optional: false, scopes: scopeList(scopes) }),
  });
}

/**
 * The Fastify plugin: declares `request.tessera` (null until a hook sets it) and puts
 * {@link FastifyAuth} on `fastify.tessera`. It adds no hook of its own: each route says
 * what it needs. Like a `fastify-plugin` plugin, it is not encapsulated, so the decorations
 * are visible to the instance that registers it and to its children.
 *
 * @throws TypeError (at registration) for missing or invalid options.
 * @example
 * import { tesseraPlugin } from 'tessera/fastify';
 * await app.register(tesseraPlugin, { verifier, dpop: true });
 * app.get('/me', { onRequest: app.tessera.authenticate() }, async (request) => request.tessera);
 */
export const tesseraPlugin: FastifyPluginAsync<MiddlewareOptions> = Object.assign(
  (fastify: FastifyInstance, options: MiddlewareOptions): Promise<void> =>
    // An executor turns an options error into a rejection, which Fastify reports at ready().
    new Promise<void>((resolve) => {
      const auth = createFastifyAuth(options);
      fastify.decorateRequest('tessera', null);
      fastify.decorate('tessera', auth);
      resolve();
    }),
  {
    // What `fastify-plugin` sets: skip encapsulation, a name in errors, the Fastify major.
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'tessera',
    [Symbol.for('plugin-meta')]: { name: 'tessera', fastify: '5.x' },
  },
);
