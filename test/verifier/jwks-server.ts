import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a {@link JwksServer} answers to one request; `null` never answers (a hung issuer). */
export type JwksAnswer = {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
} | null;

/** How a {@link JwksServer} answers a request. */
export type Answerer = (request: IncomingMessage) => JwksAnswer | Promise<JwksAnswer>;

/**
 * A local HTTP server standing in for an issuer's JWKS endpoint, on 127.0.0.1 and port 0. It
 * counts requests, so tests can prove how often a verifier fetches, and answers whatever the
 * test sets in {@link answer}.
 */
export class JwksServer {
  readonly #server: Server;
  readonly #hung = new Set<ServerResponse>();
  answer: Answerer;
  requests = 0;

  private constructor(answer: Answerer) {
    this.answer = answer;
    this.#server = createServer((request, response) => {
      this.requests++;
      void Promise.resolve(this.answer(request)).then((reply) => {
        if (reply === null) {
          this.#hung.add(response);
          return;
        }
        response.writeHead(reply.status ?? 200, {
          'content-type': 'application/json',
          ...reply.headers,
        });
        response.end(reply.body);
      });
    });
  }

  /** A server that passes every request on to `base` (a real issuer) and counts them. */
  static forward(base: string): Promise<JwksServer> {
    return JwksServer.start(async (request) => {
      const upstream = await fetch(new URL(request.url ?? '/', base));
      const cacheControl = upstream.headers.get('cache-control');
      return {
        status: upstream.status,
        headers: cacheControl === null ? {} : { 'cache-control': cacheControl },
        body: await upstream.text(),
      };
    });
  }

  static async start(answer: Answerer): Promise<JwksServer> {
    const server = new JwksServer(answer);
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  /** `http://127.0.0.1:<port>`. */
  get base(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The JWKS path on this server. */
  get url(): string {
    return `${this.base}/.well-known/jwks.json`;
  }

  async close(): Promise<void> {
    for (const response of this.#hung) response.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }
}

/** Wait `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
