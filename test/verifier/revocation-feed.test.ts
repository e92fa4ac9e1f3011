import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/keys/generate-signing-key.js';
import type { SigningKey } from '../../src/keys/signing-key.js';
import { createVerifier, type Verifier } from '../../src/verifier/create-verifier.js';
import { TestClock } from '../support/forge.js';
import { AUDIENCE, ISSUER, NOW_MS, token } from '../support/jwt-fixture.js';
import { waitFor } from '../support/server-fixture.js';

// The feed client against a scripted SSE server: it resumes with Last-Event-ID after a drop,
// backs off between failed attempts, and applies what the snapshot and live events say.

interface Connection {
  readonly at: number;
  readonly lastEventId: string | undefined;
}

/** A feed server whose every connection is handled by `script`, in order. */
class ScriptedFeed {
  readonly connections: Connection[] = [];
  readonly #server: Server;
  readonly #open = new Set<ServerResponse>();

  constructor(script: (index: number, response: ServerResponse) => void) {
    this.#server = createServer((request, response) => {
      if (request.url?.startsWith('/revocations/stream') !== true) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ events: [], cursor: 0 }));
        return;
      }
      const header = request.headers['last-event-id'];
      this.connections.push({
        at: performance.now(),
        lastEventId: typeof header === 'string' ? header : undefined,
      });
      this.#open.add(response);
      response.on('close', () => this.#open.delete(response));
      script(this.connections.length - 1, response);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const response of this.#open) response.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }
}

function sse(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
}

function revocation(id: number, kind: string, value: string): string {
  const event = { id, kind, value, at: NOW_MS, expires_at: NOW_MS + 3_600_000 };
  return `id: ${id}\nevent: revocation\ndata: ${JSON.stringify(event)}\n\n`;
}

let key: SigningKey;
beforeAll(async () => {
  key = await generateSigningKey('EdDSA', { kid: 'k' });
});
const open: { verifier?: Verifier; feed?: ScriptedFeed } = {};
afterEach(async () => {
  await open.verifier?.close();
  await open.feed?.close();
});

async function follow(script: (index: number, response: ServerResponse) => void) {
  const feed = new ScriptedFeed(script);
  open.feed = feed;
  const base = await feed.listen();
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA'],
    jwks: { keys: [key.getPublicJwk()] },
    revocations: { feed: `${base}/revocations/stream` },
    clock: new TestClock(NOW_MS),
    maxStalenessSeconds: 60,
  });
  open.verifier = verifier;
  return { feed, verifier };
}

describe('revocation feed client', () => {
  it('applies the snapshot, is ready on `ready`, and applies live events after it', async () => {
    let live: ServerResponse | undefined;
    const { verifier } = await follow((_index, response) => {
      sse(response);
      response.write(
        'retry: 100\n\n' + revocation(1, 'jti', 'a') + 'event: ready\ndata: {"cursor":1}\n\n',
      );
      live = response;
    });
    await verifier.ready();
    expect(verifier.verify(token(key, { jti: 'a' }))).toMatchObject({ code: 'ERR_JWT_REVOKED' });
    expect(verifier.verify(token(key, { jti: 'b' })).ok).toBe(true);
    live?.write(': heartbeat\n\n' + revocation(2, 'jti', 'b'));
    await waitFor(
      'the live event',
      () => Promise.resolve(!verifier.verify(token(key, { jti: 'b' })).ok),
      3_000,
      20,
    );
    expect(verifier.verify(token(key, { jti: 'b' }))).toMatchObject({ code: 'ERR_JWT_REVOKED' });
  });

  it('resumes with Last-Event-ID after a drop, backing off while the feed fails', async () => {
    const { feed, verifier } = await follow((index, response) => {
      if (index === 0) {
        sse(response);
        response.end(
          'retry: 100\n\n' +
            revocation(1, 'jti', 'a') +
            revocation(2, 'jti', 'b') +
            'event: ready\ndata: {"cursor":2}\n\n',
        );
        return;
      }
      if (index < 6) {
        response.writeHead(503).end();
        return;
      }
      sse(response);
      response.write(revocation(3, 'jti', 'c') + 'event: ready\ndata: {"cursor":3}\n\n');
    });
    await verifier.ready();
    await waitFor(
      'the resumed feed',
      () => Promise.resolve(!verifier.verify(token(key, { jti: 'c' })).ok),
      15_000,
      20,
    );
    const connections = feed.connections;
    expect(connections[0]?.lastEventId).toBeUndefined();
    for (const connection of connections.slice(1)) expect(connection.lastEventId).toBe('2');
    expect(connections).toHaveLength(7);
    // Each failed attempt doubles the wait (retry: 100 ms, jitter 50–100 %): 50–100 ms after
    // the first failure, 400–800 ms after the fourth.
    const gaps = connections.slice(1).map((c, i) => c.at - (connections[i]?.at ?? 0));
    expect(gaps[4]).toBeGreaterThan(350);
    expect(gaps[4]).toBeGreaterThan(gaps[1] ?? Infinity);
    expect(verifier.verify(token(key, { jti: 'a' }))).toMatchObject({ code: 'ERR_JWT_REVOKED' });
  });
});
