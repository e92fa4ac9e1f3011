import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../server-context.js';

/** Cookie mode and the account pages (issue 6). */
// A placeholder until its work lands; the parameters are its signature.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function registerBrowserRoutes(_app: FastifyInstance, _context: ServerContext): void {
  // Filled in by the browser-mode work (issue 6).
}
