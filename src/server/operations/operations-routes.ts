import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-errors.js';
import type { ServerContext } from '../server-context.js';
import { installMetricsHooks } from './metrics-hooks.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { operationsConfigOf } from './operations-config.js';
import { REQUEST_ID_HEADER, requestIdGenerator } from './request-id.js';
import { ServerMetrics } from './server-metrics.js';

const metricsByApp = new WeakMap<FastifyInstance, ServerMetrics>();

/** The metrics of an app built with {@link registerOperationsRoutes} (for embedding and tests). */
export function metricsOf(app: FastifyInstance): ServerMetrics | undefined {
  return metricsByApp.get(app);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Operator endpoints of the auth server: request ids on every request and answer,
 * `/metrics` (Prometheus, only with a metrics token) and `/openapi.json`. Registered after
 * the other routes; Fastify applies these hooks to every route all the same.
 *
 * @throws TypeError for a metrics token that is too short.
 * @example
 * registerOperationsRoutes(app, context); // last, after every other route
 */
export function registerOperationsRoutes(app: FastifyInstance, context: ServerContext): void {
  const { metricsToken } = operationsConfigOf(context.config);
  app.setGenReqId(requestIdGenerator(context.config.trustProxy));
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  const { metrics } = context;
  metricsByApp.set(app, metrics);
  installMetricsHooks(app, context, metrics);

  const expected = metricsToken === undefined ? null : digest(metricsToken);
  app.get('/metrics', async (request, reply) => {
    // Off unless configured, and then answered like any missing route would be otherwise.
    if (expected === null) {
      throw new HttpError(404, 'not_found', 'no route for GET /metrics');
    }
    const header = request.headers.authorization;
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    // Compare digests: equal length, constant time, whatever the caller sent.
    if (!timingSafeEqual(digest(given), expected)) {
      throw new HttpError(401, 'invalid_token', 'the metrics token is missing or wrong', {
        'www-authenticate': 'Bearer realm="tessera-metrics"',
      });
    }
    return reply
      .header('cache-control', 'no-store')
      .type(metrics.registry.contentType)
      .send(await metrics.registry.metrics());
  });

  const document = buildOpenApiDocument(context.config);
  app.get('/openapi.json', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').send(document),
  );
}
