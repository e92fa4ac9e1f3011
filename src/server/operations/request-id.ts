import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header that carries a request id in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What an incoming id may look like: short, and only characters that cannot break a log line
 * or a header (no spaces, quotes, control characters), so a client cannot forge log entries.
 */
const ACCEPTED = /^[A-Za-z0-9._:@/+=-]{1,64}$/;

/**
 * The id of a request: the caller's `X-Request-Id` when it is well formed (a proxy or client
 * that already named the request keeps its name across the logs of both), else a new UUID.
 *
 * @example
 * app.setGenReqId(requestIdOf); // request.id, and every log line of the request, carry it
 */
export function requestIdOf(request: Pick<IncomingMessage, 'headers'>): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTED.test(given) ? given : randomUUID();
}
