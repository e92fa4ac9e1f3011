import { startOrdersApi } from '../../examples/fastify/app.js';
import { describeMiddleware } from './describe-middleware.js';

describeMiddleware({ name: 'Fastify', startOrdersApi });
