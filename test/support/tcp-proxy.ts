import { createServer, connect, type Server, type Socket } from 'node:net';

/** Where a {@link TcpProxy} forwards to. */
export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

/**
 * A loopback TCP proxy that can play a network outage: {@link cut} resets every open
 * connection and stops listening, so new ones are refused, as with a server that went away;
 * {@link restore} listens on the same port again.
 *
 * @example
 * const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5432 });
 * const url = `postgres://127.0.0.1:${proxy.port}/test`;
 * await proxy.cut();
 * await proxy.restore();
 * await proxy.close();
 */
export class TcpProxy {
  readonly #target: ProxyTarget;
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #port = 0;

  private constructor(target: ProxyTarget) {
    this.#target = target;
  }

  /** Start forwarding 127.0.0.1:<a free port> to `target`. */
  static async start(target: ProxyTarget): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.#listen();
    return proxy;
  }

  /**
   * Start a proxy in front of the server of a database URL; returns it and the same URL
   * pointing at the proxy, so a test can cut the connections of whatever uses that URL.
   */
  static async forDatabase(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
    const direct = new URL(databaseUrl);
    const proxy = await TcpProxy.start({
      host: direct.hostname,
      port: Number(direct.port || 5432),
    });
    const proxied = new URL(direct);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    return { proxy, url: proxied.toString() };
  }

  /** The port the proxy listens on (the same after a restore). */
  get port(): number {
    return this.#port;
  }

  /** Reset every connection and refuse new ones until {@link restore}. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.resetAndDestroy();
    this.#sockets.clear();
    if (server !== null) {
      await new Promise<void>((done) => {
        server.close(() => {
          done();
        });
      });
    }
  }

  /** Accept connections again, on the same port. */
  async restore(): Promise<void> {
    if (this.#server === null) await this.#listen();
  }

  /** Cut everything and stop for good. */
  close(): Promise<void> {
    return this.cut();
  }

  #listen(): Promise<void> {
    const server = createServer((client) => {
      this.#forward(client);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        if (typeof address === 'object' && address !== null) this.#port = address.port;
        this.#server = server;
        resolve();
      });
    });
  }

  #forward(client: Socket): void {
    const upstream = connect(this.#target.port, this.#target.host);
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(socket);
      socket.pipe(other);
      // Either side failing or closing takes the other down with it.
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.#sockets.delete(socket);
        other.destroy();
      });
    }
  }
}
