import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RequestIdentity } from '../http/request-identity.js';
import {
  createMiddlewareCore,
  scopeList,
  type Outcome,
  type RouteRule,
} from './internal/middleware-core.js';
import type { AuthenticateRouteOptions, MiddlewareOptions } from './middleware-options.js';

// Express 5 middleware (`tessera/express`). Only Express's types are imported: loading this
// module loads no framework, and users of Fastify or Hono never need Express installed.

declare global {
  // Express types its request and `res.locals` through this global namespace; merging into
  // it is the documented way for middleware to add a property.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * Set by Tessera's middleware: who the verified token speaks for; null on an optional
       * route without a token; undefined where no Tessera middleware ran.
       */
      tessera?: RequestIdentity | null;
    }
    interface Locals {
      /** The same identity as `req.tessera`, for views and later handlers. */
      tessera?: RequestIdentity | null;
    }
  }
}

/** Express middleware factories of one configuration. */
export interface ExpressAuth {
  /**
   * Middleware that requires a valid token (Bearer, or DPoP with its proof) and puts the
   * identity on `req.tessera` and `res.locals.tessera`; otherwise it answers 400/401/503 with
   * an RFC 6750 `WWW-Authenticate` challenge and a JSON body `{ error, error_description }`.
   * With `{ optional: true }`, a request without `Authorization` goes on with a null identity.
   */
  authenticate(options?: AuthenticateRouteOptions): RequestHandler;
  /**
   * Middleware that requires every scope of `scopes` (403 `insufficient_scope` otherwise). It
   * authenticates the request itself, or reuses what an earlier middleware of this instance
   * found, so `authenticate()` before it is optional.
   */
  requireScope(scopes: string | readonly string[]): RequestHandler;
}

/**
 * Build Express middleware on a verifier (or a request authenticator). Every check is the
 * request authenticator's; refusals never carry a stack trace, and an unexpected error is
 * answered 500 `server_error` and passed to `onError`.
 *
 * @throws TypeError for missing or invalid options.
 * @example
 * import { createExpressAuth } from 'tessera/express';
 * const auth = createExpressAuth({ verifier, dpop: true, publicUrl: 'https://api.example.com' });
 * app.get('/orders', auth.requireScope('orders:read'), (req, res) => {
 *   res.json({ for: req.tessera?.sub });
 * });
 */
export function createExpressAuth(options: MiddlewareOptions): ExpressAuth {
  const core = createMiddlewareCore(options);

  const middleware =
    (rule: RouteRule): RequestHandler =>
    async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const outcome: Outcome = await core.decide(
        req,
        {
          method: req.method,
          // The target as received: `req.url` is cut to the mount point inside a router.
          target: req.originalUrl,
          headers: req.headers,
          socket: req.socket,
        },
        rule,
      );
      if (outcome.ok) {
        req.tessera = outcome.identity;
        res.locals.tessera = outcome.identity;
        next();
        return;
      }
      res.status(outcome.status).set(outcome.headers).json(outcome.body);
    };

  return Object.freeze({
    authenticate: (routeOptions: AuthenticateRouteOptions = {}) =>
      middleware({ optional: routeOptions.optional === true, scopes: [] }),
    requireScope: (scopes: string | readonly string[]) =>
      middleware({ optional: false, scopes: scopeList(scopes) }),
  });
}
