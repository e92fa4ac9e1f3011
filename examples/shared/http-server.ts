import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An example API, listening. */
export interface RunningApi {
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** Stop listening and end open connections. */
  close(): Promise<void>;
}

/** Listen on `host:port` (0: any free port) and say where. */
export async function listen(server: Server, host: string, port: number): Promise<RunningApi> {
  server.listen({ host, port });
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => Promise.reject(error as Error)),
  ]);
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
        // Keep-alive connections would hold close() open.
        server.closeAllConnections();
      }),
  };
}
