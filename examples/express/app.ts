import { createServer } from 'node:http';
import express, { type ErrorRequestHandler, type Express } from 'express';
// In your app: import { createExpressAuth } from 'tessera/express';
import { createExpressAuth } from '../../src/verifier/middleware/express.js';
import type { MiddlewareOptions } from '../../src/verifier/middleware/middleware-options.js';
import { listen, type RunningApi } from '../shared/http-server.js';
import { BAD_ORDER, describeIdentity, OrderBook, PRODUCTS } from '../shared/orders.js';
import type { StartOptions } from '../shared/settings.js';

/** The orders API on Express 5, with Tessera's middleware on each route that needs a token. */
export function createOrdersApp(options: MiddlewareOptions): Express {
  const auth = createExpressAuth(options);
  const orders = new OrderBook();
  const app = express();
  app.disable('x-powered-by');

  // Public; a token, when one is sent, must be valid, and personalises the answer.
  app.get('/catalog', auth.authenticate({ optional: true }), (req, res) => {
    res.json({ products: PRODUCTS, viewer: req.tessera?.sub ?? null });
  });

  app.get('/orders', auth.requireScope('orders:read'), (_req, res) => {
    res.json({ orders: orders.list() });
  });

  // authenticate() then requireScope(): the token (and a DPoP proof) is checked once, the
  // scopes after it. The body is read only once the token has been accepted.
  app.post(
    '/orders',
    auth.authenticate(),
    auth.requireScope(['orders:read', 'orders:write']),
    express.json({ limit: '4kb' }),
    (req, res) => {
      const order = orders.place(req.body, req.tessera?.sub ?? null);
      if (order === null) res.status(400).json(BAD_ORDER);
      else res.status(201).json(order);
    },
  );

  app.get('/me', auth.authenticate(), (req, res) => {
    res.json(req.tessera ? describeIdentity(req.tessera) : null);
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', error_description: 'no such route' });
  });
  // Express's own error page shows stack traces outside production: answer JSON instead.
  const onError: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    // Too late for an answer of our own: Express then ends the connection.
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: 'invalid_request', error_description: 'bad request' });
      return;
    }
    console.error(error);
    res.status(500).json({ error: 'server_error', error_description: 'something went wrong' });
  };
  app.use(onError);
  return app;
}

/** Start the orders API on `host:port`. */
export function startOrdersApi(options: StartOptions): Promise<RunningApi> {
  const { host, port, ...auth } = options;
  return listen(createServer(createOrdersApp(auth)), host, port);
}
