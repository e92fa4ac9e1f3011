import Fastify, { type FastifyInstance } from 'fastify';
// In your app: import { tesseraPlugin } from 'tessera/fastify';
import { tesseraPlugin } from '../../src/verifier/middleware/fastify.js';
import type { MiddlewareOptions } from '../../src/verifier/middleware/middleware-options.js';
import type { RunningApi } from '../shared/http-server.js';
import { BAD_ORDER, describeIdentity, OrderBook, PRODUCTS } from '../shared/orders.js';
import type { StartOptions } from '../shared/settings.js';

/** The orders API on Fastify 5: the plugin declares `request.tessera`, each route its hook. */
export async function createOrdersApp(options: MiddlewareOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 4096 });
  await app.register(tesseraPlugin, options);
  const { tessera } = app;
  const orders = new OrderBook();

  // Public; a token, when one is sent, must be valid, and personalises the answer.
  app.get('/catalog', { onRequest: tessera.authenticate({ optional: true }) }, (request, reply) =>
    reply.send({ products: PRODUCTS, viewer: request.tessera?.sub ?? null }),
  );

  app.get('/orders', { onRequest: tessera.requireScope('orders:read') }, (_request, reply) =>
    reply.send({ orders: orders.list() }),
  );

  // authenticate() then requireScope(): the token (and a DPoP proof) is checked once, the
  // scopes after it. onRequest runs before the body is read: a refused one is never parsed.
  app.post(
    '/orders',
    { onRequest: [tessera.authenticate(), tessera.requireScope(['orders:read', 'orders:write'])] },
    (request, reply) => {
      const order = orders.place(request.body, request.tessera?.sub ?? null);
      return order === null ? reply.code(400).send(BAD_ORDER) : reply.code(201).send(order);
    },
  );

  app.get('/me', { onRequest: tessera.authenticate() }, (request, reply) =>
    reply.send(request.tessera ? describeIdentity(request.tessera) : null),
  );

  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: 'not_found', error_description: 'no such route' }),
  );
  app.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply
        .code(status)
        .send({ error: 'invalid_request', error_description: 'bad request' });
    }
    console.error(error);
    return reply
      .code(500)
      .send({ error: 'server_error', error_description: 'something went wrong' });
  });
  return app;
}

/** Start the orders API on `host:port`. */
export async function startOrdersApi(options: StartOptions): Promise<RunningApi> {
  const { host, port, ...auth } = options;
  const app = await createOrdersApp(auth);
  const url = await app.listen({ host, port });
  return { url, close: () => app.close() };
}
