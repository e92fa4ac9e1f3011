import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { clientResponseHeaders } from './internal/forward-headers.js';
import { sendGatewayError } from './internal/send-json.js';

/** Options of {@link createUpstreamForwarder}. */
export interface UpstreamForwarderOptions {
  /** Origin and optional base path of the upstream; the request path is appended to the base. */
  readonly upstream: URL;
  /**
   * Longest wait on the upstream: for its response headers once the request body is sent (or
   * while it does not take the body), then the longest silence while the answer streams.
   */
  readonly timeoutMs: number;
  /** An upstream failed or timed out; for the operator's log. Default: ignored. */
  readonly onError?: (error: Error) => void;
}

/** What the gateway adds to the upstream's answer of one request. */
export interface ForwardOptions {
  /** `Set-Cookie` values of a refreshed session: after the upstream's own, or on the error. */
  readonly setCookies?: readonly string[];
  /** The request was authenticated by the session cookie: the answer is marked private. */
  readonly cookieAuthenticated?: boolean;
}

/** Sends requests on to one upstream and streams its answers back. */
export interface UpstreamForwarder {
  /**
   * Forward `request` with `headers` (flat `[name, value, …]`) to `path` under the upstream,
   * streaming the body both ways, and answer `response` with what comes back: 502 when the
   * upstream cannot be reached, 504 when it does not answer in time. The upstream may not set
   * a `__Host-tessera-*` cookie (dropped, and reported to `onError`); see {@link ForwardOptions}.
   */
  forward(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    headers: readonly string[],
    options?: ForwardOptions,
  ): void;
  /** Close idle upstream connections. */
  close(): void;
}

/**
 * A forwarder on Node's own HTTP client with a keep-alive agent: no dependency, runs on
 * Node 20, and streams with backpressure through `pipe`. Bodies are never buffered whole.
 *
 * @throws TypeError for an upstream that is not an http(s) URL, or a bad timeout.
 * @example
 * const forwarder = createUpstreamForwarder({ upstream: new URL('http://127.0.0.1:3000'), timeoutMs: 30_000 });
 * forwarder.forward(req, res, req.url, req.rawHeaders);
 */
export function createUpstreamForwarder(options: UpstreamForwarderOptions): UpstreamForwarder {
  const { upstream, timeoutMs } = options;
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
    throw new TypeError('upstream must be an http(s) URL');
  }
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw new TypeError('timeoutMs must be a positive whole number');
  }
  const secure = upstream.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, scheduling: 'lifo', maxFreeSockets: 256 });
  const base = upstream.pathname.replace(/\/+$/, '');
  const hostname = upstream.hostname.replace(/^\[|\]$/g, '');
  const port = upstream.port === '' ? (secure ? 443 : 80) : Number(upstream.port);
  const onError = options.onError ?? (() => undefined);

  const forward = (
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    headers: readonly string[],
    forwardOptions: ForwardOptions = {},
  ): void => {
    const setCookies = forwardOptions.setCookies ?? [];
    let settled = false;
    const extra = setCookies.length === 0 ? {} : { 'set-cookie': [...setCookies] };
    const outgoing = transport.request({
      agent,
      hostname,
      port,
      method: request.method ?? 'GET',
      path: `${base}${path}`,
      // Node accepts the flat rawHeaders form, which keeps repeated fields apart. A body of
      // unknown length is sent chunked: without framing the upstream could not tell where it
      // ends (and a GET or DELETE body would otherwise go out unframed).
      headers:
        request.headers['transfer-encoding'] === undefined
          ? headers
          : [...headers, 'transfer-encoding', 'chunked'],
      // Host is in `headers`, set by the gateway to the upstream's.
      setHost: false,
    });

    const fail = (status: 502 | 504, error: Error): void => {
      if (settled) return;
      settled = true;
      onError(error);
      outgoing.destroy();
      if (response.headersSent) {
        // Part of the answer is out: the only honest signal left is a broken connection.
        response.destroy(error);
        return;
      }
      if (status === 504) {
        sendGatewayError(
          response,
          504,
          'gateway_timeout',
          `the upstream service did not answer within ${timeoutMs} ms`,
          extra,
        );
      } else {
        sendGatewayError(
          response,
          502,
          'bad_gateway',
          'the upstream service cannot be reached',
          extra,
        );
      }
    };

    // The bound runs only while the gateway waits on the upstream: once the client's body is
    // all in (the upstream owes an answer), or while the upstream does not take the body
    // (backpressure pauses the client's stream until `drain`). A client that uploads slowly
    // is not the upstream being late; a client that stalls is left to the server's own
    // request timeout. After the response headers, `incoming.setTimeout` bounds each silence.
    let timer: NodeJS.Timeout | undefined;
    const stopClock = (): void => {
      clearTimeout(timer);
      timer = undefined;
    };
    let answered = false;
    const startClock = (): void => {
      if (settled || answered || timer !== undefined) return;
      timer = setTimeout(() => {
        fail(504, new Error(`upstream ${upstream.origin} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
    };
    request.on('end', startClock);
    request.on('pause', startClock);
    outgoing.on('drain', () => {
      if (!request.readableEnded) stopClock();
    });
    if (request.readableEnded) startClock();
    outgoing.on('error', (error) => {
      stopClock();
      fail(502, error);
    });
    outgoing.on('response', (incoming) => {
      answered = true;
      stopClock();
      if (settled) {
        incoming.destroy();
        return;
      }
      response.writeHead(
        incoming.statusCode ?? 502,
        clientResponseHeaders(incoming.rawHeaders, {
          setCookies,
          cookieAuthenticated: forwardOptions.cookieAuthenticated === true,
          onDroppedCookie: (name) => {
            onError(
              new Error(
                `upstream ${upstream.origin} tried to set the session cookie ${JSON.stringify(name)}; dropped`,
              ),
            );
          },
        }),
      );
      // Idle bound while the body streams: a stalled upstream must not hold the client forever.
      incoming.setTimeout(timeoutMs, () => {
        incoming.destroy(new Error(`upstream ${upstream.origin} went silent for ${timeoutMs} ms`));
      });
      incoming.on('error', (error) => {
        settled = true;
        onError(error);
        response.destroy(error);
      });
      incoming.on('end', () => {
        settled = true;
      });
      incoming.pipe(response);
    });
    // The client went away before the answer was complete: stop the upstream work too.
    response.on('close', () => {
      stopClock();
      if (!response.writableFinished) outgoing.destroy();
    });
    request.on('error', () => {
      outgoing.destroy();
    });
    request.pipe(outgoing);
  };

  return Object.freeze({
    forward,
    close: () => {
      agent.destroy();
    },
  });
}
