import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { trustedPeer } from './trusted-peer.js';

/** The header that carries a request id in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What an incoming id may look like: short, and only characters that cannot break a log line
 * or a header (no spaces, quotes, control characters), so a client cannot forge log entries.
 */
const ACCEPTED = /^[A-Za-z0-9._:@/+=-]{1,64}$/;

/**
 * Make the request id function of a server: the `X-Request-Id` a trusted proxy (`--trust-proxy`)
 * sent, when well formed, so that the proxy's logs and ours name the request alike; else,
 * and always for a peer that is not a trusted proxy, a new UUID. A client could otherwise
 * give its requests another request's id and confuse whoever reads the logs.
 *
 * @example
 * app.setGenReqId(requestIdGenerator(config.trustProxy)); // every log line of the request carries it
 */
export function requestIdGenerator(
  trustProxy: readonly string[],
): (request: Pick<IncomingMessage, 'headers' | 'socket'>) => string {
  const trusted = trustedPeer(trustProxy);
  return (request) => {
    const given = request.headers[REQUEST_ID_HEADER];
    return typeof given === 'string' &&
      ACCEPTED.test(given) &&
      trusted(request.socket.remoteAddress)
      ? given
      : randomUUID();
  };
}
