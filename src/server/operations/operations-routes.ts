import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../server-context.js';

/**
 * Operator endpoints of the auth server (metrics, the OpenAPI description). Registered after
 * the other routes, so hooks added here see every route.
 */
// A placeholder until its work lands; the parameters are its signature.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function registerOperationsRoutes(_app: FastifyInstance, _context: ServerContext): void {
  // Filled in by the operations work (issue 7).
}
