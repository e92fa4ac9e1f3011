import { startOrdersApi } from '../../examples/hono/app.js';
import { describeBrowserMiddleware } from './describe-browser-middleware.js';
import { describeMiddleware } from './describe-middleware.js';

describeMiddleware({ name: 'Hono', startOrdersApi });
describeBrowserMiddleware({ name: 'Hono', startOrdersApi });
