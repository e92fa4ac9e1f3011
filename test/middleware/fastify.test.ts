import { startOrdersApi } from '../../examples/fastify/app.js';
import { describeBrowserMiddleware } from './describe-browser-middleware.js';
import { describeMiddleware } from './describe-middleware.js';

describeMiddleware({ name: 'Fastify', startOrdersApi });
describeBrowserMiddleware({ name: 'Fastify', startOrdersApi });
