import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestAuthenticator } from '../verifier/http/request-authenticator.js';
import type { RequestIdentity } from '../verifier/http/request-identity.js';
import type { GatewayConfig } from './gateway-config.js';
import { upstreamRequestHeaders } from './internal/forward-headers.js';
import { normaliseTarget } from './internal/normalise-target.js';
import { sendGatewayError } from './internal/send-json.js';
import { authenticateWithSession, type CookieSessionParts } from './cookie-session-gate.js';
import type { UpstreamForwarder } from './upstream-forwarder.js';

/** What the gateway's request handler is built from. */
export interface GatewayHandlerParts {
  readonly config: Pick<GatewayConfig, 'routes' | 'publicUrl' | 'forwardToken' | 'upstream'>;
  readonly authenticator: RequestAuthenticator;
  /** True once keys and revocations have loaded; before, tokens cannot be checked. */
  readonly isReady: () => boolean;
  readonly forwarder: UpstreamForwarder;
  readonly onError: (error: unknown) => void;
  /** Browser mode: cookie sessions, refreshed transparently; null or absent when off. */
  readonly cookieSession?: CookieSessionParts | null;
}

/** The identity headers the upstream receives, and only from the gateway. */
export const IDENTITY_HEADERS = Object.freeze({
  sub: 'x-tessera-sub',
  scope: 'x-tessera-scope',
  sid: 'x-tessera-sid',
  clientId: 'x-tessera-client-id',
});

/** Seconds a client is told to wait while the gateway loads keys and revocations. */
const NOT_READY_RETRY_AFTER_SECONDS = 5;

/** A header value that survives every HTTP parser unchanged: printable ASCII, no outer spaces. */
const PLAIN_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * The gateway's request handler: settle the path, decide from the routes whether a token and
 * which scopes are needed, authenticate, and forward with the identity (or answer the refusal).
 */
export function createGatewayHandler(
  parts: GatewayHandlerParts,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { config, authenticator, forwarder, onError, isReady } = parts;
  const publicBase = `${config.publicUrl.origin}${config.publicUrl.pathname.replace(/\/+$/, '')}`;
  const forwardedProto = config.publicUrl.protocol.slice(0, -1);
  const forwardedHost = config.publicUrl.host;
  const upstreamHost = config.upstream.host;
  const dropToken = !config.forwardToken;
  const cookieSession = parts.cookieSession ?? null;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const target = normaliseTarget(request.url ?? '');
    if (target === null) {
      sendGatewayError(
        response,
        400,
        'invalid_request',
        'the request path must be an origin-form path without ";", backslashes, encoded "/", "\\" or ";", double-encoded or malformed escapes, or control characters',
      );
      return;
    }
    if (countHeader(request.rawHeaders, 'authorization') > 1) {
      // Node keeps the first of two Authorization headers; an upstream might read the other.
      sendGatewayError(response, 400, 'invalid_request', 'send one Authorization header');
      return;
    }
    const route = config.routes.match(method, target.path);
    let identity: (readonly [string, string])[] = [];
    let setCookies: readonly string[] = [];
    let cookieAuthenticated = false;
    if (!route.public) {
      if (!isReady()) {
        // Without keys every token would fail as unknown: a 401 would tell the client its
        // token is bad when the gateway only cannot check it yet (docs/gateway.md).
        sendGatewayError(
          response,
          503,
          'temporarily_unavailable',
          'the gateway is not ready: keys and revocations have not loaded yet; retry shortly',
          { 'retry-after': String(NOT_READY_RETRY_AFTER_SECONDS) },
        );
        return;
      }
      const gated = await authenticateWithSession(
        authenticator,
        cookieSession,
        {
          method,
          url: `${publicBase}${target.path}`,
          headers: request.headers,
          clientAddress: request.socket.remoteAddress,
        },
        { requiredScopes: route.scopes },
        onError,
      );
      const result = gated.result;
      setCookies = gated.setCookies;
      if (!result.ok) {
        if (result.status === 503 && result.cause !== undefined) onError(result.cause);
        sendGatewayError(response, result.status, result.body.error, result.description, {
          ...result.headers,
          ...(setCookies.length === 0 ? {} : { 'set-cookie': setCookies }),
        });
        return;
      }
      const headers = identityHeaders(result.identity);
      if (headers === null) {
        sendGatewayError(
          response,
          401,
          'invalid_token',
          'the identity in the token cannot be passed on in a header',
          {
            'www-authenticate': 'Bearer realm="tessera", error="invalid_token"',
            ...(setCookies.length === 0 ? {} : { 'set-cookie': setCookies }),
          },
        );
        return;
      }
      identity = headers;
      cookieAuthenticated = result.credentials === 'cookie';
    }
    forwarder.forward(
      request,
      response,
      target.pathAndQuery,
      upstreamRequestHeaders(request.rawHeaders, {
        host: upstreamHost,
        forwardedProto,
        forwardedHost,
        clientAddress: request.socket.remoteAddress,
        identity,
        dropToken,
        dropCsrfToken: cookieSession !== null,
      }),
      { setCookies, cookieAuthenticated },
    );
  };

  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      onError(error);
      if (response.headersSent) response.destroy();
      else
        sendGatewayError(response, 500, 'server_error', 'the gateway failed to handle the request');
    });
  };
}

function countHeader(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] ?? '').toLowerCase() === name) count++;
  }
  return count;
}

/** The identity as header pairs, or null when a value could not pass through a header intact. */
function identityHeaders(identity: RequestIdentity): (readonly [string, string])[] | null {
  const pairs: (readonly [string, string])[] = [];
  const add = (name: string, value: string | null): boolean => {
    if (value === null) return true;
    if (!PLAIN_VALUE.test(value)) return false;
    pairs.push([name, value]);
    return true;
  };
  const ok =
    add(IDENTITY_HEADERS.sub, identity.sub) &&
    add(IDENTITY_HEADERS.scope, identity.scopes.length === 0 ? null : identity.scopes.join(' ')) &&
    add(IDENTITY_HEADERS.sid, identity.sid) &&
    add(IDENTITY_HEADERS.clientId, identity.clientId);
  return ok ? pairs : null;
}
