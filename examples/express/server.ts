import { runExample } from '../shared/settings.js';
import { startOrdersApi } from './app.js';

await runExample('Express', startOrdersApi);
