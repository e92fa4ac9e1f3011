import type { Context, MiddlewareHandler } from 'hono';
import type { RequestIdentity } from '../http/request-identity.js';
import {
  createMiddlewareCore,
  scopeList,
  type LocalEndpoint,
  type MiddlewareRequest,
  type RouteRule,
} from './internal/middleware-core.js';
import type { AuthenticateRouteOptions, MiddlewareOptions } from './middleware-options.js';

// Hono 4 middleware (`tessera/hono`). Only Hono's types are imported here, so this module
// loads no framework of its own.

/**
 * The variable Tessera's middleware sets: `c.get('tessera')` / `c.var.tessera`. Null on an
 * optional route without a token.
 */
export interface TesseraVariables {
  tessera: RequestIdentity | null;
}

/** An `Env` for `new Hono<TesseraEnv>()`, when the app reads `tessera` in shared handlers. */
export interface TesseraEnv {
  Variables: TesseraVariables;
}

/** The `Env` of a route behind a required token: its handlers see a non-null identity. */
export interface AuthenticatedEnv {
  Variables: { tessera: RequestIdentity };
}

/** Hono middleware of one configuration. */
export interface HonoAuth {
  /**
   * Middleware that requires a valid token (Bearer, or DPoP with its proof) and sets
   * `c.var.tessera`; otherwise it answers 400/401/503 with an RFC 6750 `WWW-Authenticate`
   * challenge and a JSON body `{ error, error_description }`.
   */
  authenticate(options?: { readonly optional?: false }): MiddlewareHandler<AuthenticatedEnv>;
  /** As above, but a request without `Authorization` goes on with `c.var.tessera` null. */
  authenticate(options: { readonly optional: true }): MiddlewareHandler<TesseraEnv>;
  authenticate(
    options?: AuthenticateRouteOptions,
  ): MiddlewareHandler<AuthenticatedEnv> | MiddlewareHandler<TesseraEnv>;
  /**
   * Middleware that requires every scope of `scopes` (403 `insufficient_scope` otherwise). It
   * authenticates the request itself, or reuses what an earlier middleware of this instance
   * found.
   */
  requireScope(scopes: string | readonly string[]): MiddlewareHandler<AuthenticatedEnv>;
}

/**
 * Build Hono middleware on a verifier (or a request authenticator). Every check is the
 * request authenticator's; refusals never carry a stack trace, and an unexpected error is
 * answered 500 `server_error` and passed to `onError`. Under `@hono/node-server` the default
 * URL is the connection's local address; on other runtimes set `publicUrl`.
 *
 * @throws TypeError for missing or invalid options.
 * @example
 * import { createHonoAuth } from 'tessera/hono';
 * const auth = createHonoAuth({ verifier, dpop: true });
 * app.get('/orders', auth.requireScope('orders:read'), (c) => c.json({ for: c.var.tessera.sub }));
 */
export function createHonoAuth(options: MiddlewareOptions): HonoAuth {
  const core = createMiddlewareCore(options);

  const middleware =
    (rule: RouteRule): MiddlewareHandler<TesseraEnv> =>
    async (c, next) => {
      const outcome = await core.decide(c, describeRequest(c), rule);
      if (!outcome.ok) {
        return new Response(JSON.stringify(outcome.body), {
          status: outcome.status,
          headers: { ...outcome.headers, 'content-type': 'application/json; charset=utf-8' },
        });
      }
      c.set('tessera', outcome.identity);
      await next();
      return undefined;
    };

  // Only a required rule is exposed as AuthenticatedEnv, and it never passes a null identity.
  const required = (rule: RouteRule): MiddlewareHandler<AuthenticatedEnv> =>
    middleware(rule) as MiddlewareHandler;

  function authenticate(options?: {
    readonly optional?: false;
  }): MiddlewareHandler<AuthenticatedEnv>;
  function authenticate(options: { readonly optional: true }): MiddlewareHandler<TesseraEnv>;
  function authenticate(
    routeOptions: AuthenticateRouteOptions = {},
  ): MiddlewareHandler<AuthenticatedEnv> | MiddlewareHandler<TesseraEnv> {
    return routeOptions.optional === true
      ? middleware({ optional: true, scopes: [] })
      : required({ optional: false, scopes: [] });
  }

  return Object.freeze({
    authenticate,
    requireScope: (scopes: string | readonly string[]) =>
      required({ optional: false, scopes: scopeList(scopes) }),
  });
}

/** What the core needs of a Hono request, with the Node socket when there is one. */
function describeRequest(c: Context<TesseraEnv>): MiddlewareRequest {
  // `@hono/node-server` passes `{ incoming, outgoing }` as the bindings; read them
  // structurally so this module imports nothing of the adapter.
  const bindings = c.env as { incoming?: { url?: unknown; socket?: LocalEndpoint } } | undefined;
  const incoming = bindings?.incoming;
  const rawTarget = typeof incoming?.url === 'string' ? incoming.url : null;
  let target: string;
  if (rawTarget !== null) {
    target = rawTarget;
  } else {
    const url = new URL(c.req.url);
    target = `${url.pathname}${url.search}`;
  }
  return {
    method: c.req.method,
    target,
    headers: c.req.raw.headers,
    socket: incoming?.socket ?? null,
  };
}
