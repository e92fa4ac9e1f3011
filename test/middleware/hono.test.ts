import { startOrdersApi } from '../../examples/hono/app.js';
import { describeMiddleware } from './describe-middleware.js';

describeMiddleware({ name: 'Hono', startOrdersApi });
