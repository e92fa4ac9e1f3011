import { startOrdersApi } from '../../examples/express/app.js';
import { describeMiddleware } from './describe-middleware.js';

describeMiddleware({ name: 'Express', startOrdersApi });
