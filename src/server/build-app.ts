import formbody from '@fastify/formbody';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import { ThrottleUnavailableError } from '../sessions/redis-throttle-store.js';
import { StoreError, StoreInputError } from '../store/store-error.js';
import { HttpError, sendError } from './http-errors.js';
import { registerBrowserRoutes } from './browser/browser-routes.js';
import { addSecurityHeaders } from './browser/security-headers.js';
import { registerOperationsRoutes } from './operations/operations-routes.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerDiscoveryRoutes } from './routes/discovery-routes.js';
import { registerOAuthRoutes } from './routes/oauth-routes.js';
import { registerRevocationRoutes } from './routes/revocation-routes.js';
import type { ServerContext } from './server-context.js';

/** The answer to a request the router refused before any route ran. */
function frameworkRefusal(error: FastifyError): HttpError {
  // The path goes unrepeated: it is whatever the client sent, possibly huge.
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new HttpError(414, 'invalid_request', 'a part of the URL path is too long');
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return new HttpError(400, 'invalid_request', 'the URL is not validly percent-encoded');
  }
  // An async route constraint that failed: the server's problem, not the client's.
  return new HttpError(500, 'server_error', 'the server could not complete the request');
}

/**
 * The auth server's HTTP application. Every error leaves as `{ error, error_description }`:
 * the client's mistakes as 4xx with a clear description, anything else as a 500 that says
 * nothing of the cause (which goes to the log).
 */
export async function buildApp(
  context: ServerContext,
  logger: FastifyServerOptions['logger'] = false,
): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: context.config.bodyLimitBytes,
    // X-Forwarded-For only from the proxies the operator named: trusting it from anyone would
    // let any client choose the IP that throttling and the audit log see.
    trustProxy: context.config.trustProxy.length === 0 ? false : [...context.config.trustProxy],
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // What the router refuses before any route runs (a path parameter over maxParamLength, a
    // URL whose percent-encoding is broken) is the client's mistake too: the same JSON error
    // and the same headers as every other answer, not Fastify's own body without them.
    frameworkErrors: (error, _request, reply) => {
      addSecurityHeaders(reply);
      void sendError(reply, frameworkRefusal(error));
    },
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    addSecurityHeaders(reply);
    return payload;
  });
  await app.register(formbody, { bodyLimit: context.config.bodyLimitBytes });

  app.setErrorHandler((error: FastifyError | HttpError | StoreError, request, reply) => {
    if (error instanceof HttpError) return sendError(reply, error);
    if (error instanceof ThrottleUnavailableError) {
      // Logged once per outage where the connection drops; a line per login would flood.
      request.log.debug({ err: error }, 'login throttle unavailable');
      return sendError(
        reply,
        new HttpError(
          503,
          'temporarily_unavailable',
          'logins are unavailable for a moment; retry shortly',
          {
            'retry-after': '5',
          },
        ),
      );
    }
    if (error instanceof StoreInputError) {
      return sendError(
        reply,
        new HttpError(400, 'invalid_request', 'the request holds a character that is not allowed'),
      );
    }
    if (error instanceof StoreError) {
      request.log.warn({ err: error }, 'store error');
      if (error.code === 'ERR_STORE_UNAVAILABLE') {
        return sendError(
          reply,
          new HttpError(503, 'temporarily_unavailable', 'the server is busy; retry shortly', {
            'retry-after': '1',
          }),
        );
      }
      return sendError(
        reply,
        new HttpError(409, 'conflict', 'the request conflicts with existing data'),
      );
    }
    if (error.validation !== undefined) {
      return sendError(
        reply,
        new HttpError(400, 'invalid_request', `invalid request: ${error.message}`),
      );
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(reply, new HttpError(status, 'invalid_request', error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(
      reply,
      new HttpError(500, 'server_error', 'the server could not complete the request'),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new HttpError(
        404,
        'not_found',
        `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`,
      ),
    ),
  );

  const nonces = context.dpop.nonces;
  if (nonces !== null) {
    // RFC 9449 §8.2: hand a fresh nonce to every client that sends proofs, so it has the
    // current one before the old expires. Adds a response header; the request is untouched.
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.headers.dpop !== undefined && !reply.hasHeader('dpop-nonce')) {
        reply.header('dpop-nonce', nonces.current());
      }
      return payload;
    });
  }

  registerAuthRoutes(app, context);
  registerOAuthRoutes(app, context);
  registerDiscoveryRoutes(app, context);
  registerRevocationRoutes(app, context);
  registerBrowserRoutes(app, context);
  registerOperationsRoutes(app, context);
  return app;
}
