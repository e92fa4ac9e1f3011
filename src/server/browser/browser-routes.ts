import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../server-context.js';

/** Cookie mode and the account pages (issue 6). */
export function registerBrowserRoutes(_app: FastifyInstance, _context: ServerContext): void {
  // Filled in by the browser-mode work (issue 6).
  void _app;
  void _context;
}
