import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
// In your app: import { createHonoAuth, type TesseraEnv } from 'tessera/hono';
import { createHonoAuth, type TesseraEnv } from '../../src/verifier/middleware/hono.js';
import type { MiddlewareOptions } from '../../src/verifier/middleware/middleware-options.js';
import { listen, type RunningApi } from '../shared/http-server.js';
import { BAD_ORDER, describeIdentity, OrderBook, PRODUCTS } from '../shared/orders.js';
import type { StartOptions } from '../shared/settings.js';

/** The orders API on Hono (Node), with Tessera's middleware on each route that needs a token. */
export function createOrdersApp(options: MiddlewareOptions): Hono<TesseraEnv> {
  const auth = createHonoAuth(options);
  const orders = new OrderBook();
  const app = new Hono<TesseraEnv>();

  // Public; a token, when one is sent, must be valid, and personalises the answer.
  app.get('/catalog', auth.authenticate({ optional: true }), (c) =>
    c.json({ products: PRODUCTS, viewer: c.var.tessera?.sub ?? null }),
  );

  app.get('/orders', auth.requireScope('orders:read'), (c) => c.json({ orders: orders.list() }));

  // authenticate() then requireScope(): the token (and a DPoP proof) is checked once, the
  // scopes after it. The body is read only once the token has been accepted.
  const writers = auth.requireScope(['orders:read', 'orders:write']);
  app.post('/orders', auth.authenticate(), writers, async (c) => {
    const body: unknown = await c.req.json().catch(() => null);
    const order = orders.place(body, c.var.tessera.sub);
    return order === null ? c.json(BAD_ORDER, 400) : c.json(order, 201);
  });

  // Behind a required token, `c.var.tessera` is typed non-null.
  app.get('/me', auth.authenticate(), (c) => c.json(describeIdentity(c.var.tessera)));

  app.notFound((c) => c.json({ error: 'not_found', error_description: 'no such route' }, 404));
  app.onError((error, c) => {
    console.error(error);
    return c.json({ error: 'server_error', error_description: 'something went wrong' }, 500);
  });
  return app;
}

/** Start the orders API on `host:port`. */
export function startOrdersApi(options: StartOptions): Promise<RunningApi> {
  const { host, port, ...auth } = options;
  const app = createOrdersApp(auth);
  // Plain HTTP/1.1: the adapter's server is a node:http Server.
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  return listen(server, host, port);
}
