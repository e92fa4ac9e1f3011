import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

/** What the attacker server answers on one path. */
export interface AttackerResource {
  readonly contentType: string;
  readonly body: string | Buffer;
}

/** Most requests remembered; a target that loops cannot grow memory without bound. */
const MAX_RECORDED = 10_000;

/**
 * The server an attacker would control, on 127.0.0.1 and a free port: it serves the keys,
 * certificates and secrets that `jku`, `x5u` and URL `kid` headers point at, and records
 * every request, since a target that fetches a URL from an unverified token is a finding
 * (RFC 8725 §3.10) even when it then refuses the token.
 *
 * @example
 * const server = await AttackerServer.start();
 * const url = server.publish('jku', { contentType: 'application/json', body: jwks });
 * // ... send a token with that jku ...
 * server.requestedPaths(); // includes new URL(url).pathname if the target fetched it
 * await server.close();
 */
export class AttackerServer {
  readonly url: string;
  readonly #server: Server;
  readonly #resources: Map<string, AttackerResource>;
  readonly #requested: string[];
  // Unguessable paths: only a target that read the token can know them.
  readonly #secret = randomBytes(9).toString('base64url');

  private constructor(
    server: Server,
    url: string,
    resources: Map<string, AttackerResource>,
    requested: string[],
  ) {
    this.#server = server;
    this.url = url;
    this.#resources = resources;
    this.#requested = requested;
  }

  /** Start listening on 127.0.0.1, port 0. */
  static async start(): Promise<AttackerServer> {
    const resources = new Map<string, AttackerResource>();
    const requested: string[] = [];
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      if (requested.length < MAX_RECORDED) requested.push(path);
      const resource = resources.get(path);
      request.resume();
      if (resource === undefined) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': resource.contentType }).end(resource.body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new AttackerServer(server, `http://127.0.0.1:${port}`, resources, requested);
  }

  /** Serve `resource` on a new path named after `label`; returns its absolute URL. */
  publish(label: string, resource: AttackerResource): string {
    const path = `/${this.#secret}/${label.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    this.#resources.set(path, resource);
    return `${this.url}${path}`;
  }

  /** Every path requested so far, in order (repeats included). */
  requestedPaths(): readonly string[] {
    return [...this.#requested];
  }

  /** Stop listening and drop open connections. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }
}
