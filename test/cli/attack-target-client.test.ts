import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetClient } from '../../src/cli/attack/target-client.js';

// --jwks is read with a bound: a declared length over 1 MiB is refused before reading, and a
// body without a length is cut off once it passes 1 MiB, long before the request timeout.

const MIB = 1024 * 1024;
let server: Server;
let origin = '';
let written = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/declared') {
      // Claims 2 MiB, sends a little and waits: a client that reads first would hang.
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 * MIB });
      response.write('{"keys":[');
      return;
    }
    if (request.url === '/endless') {
      response.writeHead(200, { 'content-type': 'application/json' });
      written = 0;
      pump(response);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Write 64 KiB chunks without end until the client goes away (or 8 MiB, as a backstop). */
function pump(response: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const next = (): void => {
    if (response.destroyed || written >= 8 * MIB) return;
    written += chunk.length;
    if (response.write(chunk)) setImmediate(next);
    else response.once('drain', next);
  };
  next();
}

const client = new TargetClient({ url: origin, method: 'GET', headers: {}, timeoutMs: 30_000 });

describe('TargetClient.fetchJson', () => {
  it('reads a small JWKS', async () => {
    expect(await client.fetchJson(`${origin}/small`)).toEqual({ keys: [] });
  });

  it('refuses a declared length over 1 MiB without waiting for the body', async () => {
    const started = Date.now();
    await expect(client.fetchJson(`${origin}/declared`)).rejects.toThrow(/larger than 1 MiB/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops reading a body without a length once it passes 1 MiB', async () => {
    const started = Date.now();
    await expect(client.fetchJson(`${origin}/endless`)).rejects.toThrow(/larger than 1 MiB/);
    expect(Date.now() - started).toBeLessThan(5000);
    // The server was not drained to its backstop: the client hung up soon after 1 MiB.
    expect(written).toBeLessThan(4 * MIB);
  });
});
