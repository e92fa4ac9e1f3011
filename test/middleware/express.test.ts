import { startOrdersApi } from '../../examples/express/app.js';
import { describeBrowserMiddleware } from './describe-browser-middleware.js';
import { describeMiddleware } from './describe-middleware.js';

describeMiddleware({ name: 'Express', startOrdersApi });
describeBrowserMiddleware({ name: 'Express', startOrdersApi });
