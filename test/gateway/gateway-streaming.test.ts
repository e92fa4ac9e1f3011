import { once } from 'node:events';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../server/dpop-client.js';
import { clientToken, GatewayHarness, getJson, type GatewayStack } from './gateway-fixture.js';

// Bodies stream through the gateway both ways (never buffered whole), and a dead or slow
// upstream gets a clear answer within the bound.

const MIB = 1024 * 1024;
const harness = new GatewayHarness();
let stack: GatewayStack;
let token: string;

beforeAll(async () => {
  stack = await harness.start();
  token = await clientToken(stack, 'orders:read');
}, 60_000);
afterAll(() => harness.cleanup());

/** Resolves with `promise`, or rejects after `ms` saying what did not happen. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not happen within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An authorised POST to `path` through the gateway, its body still to be written. */
function startUpload(path: string): {
  request: ClientRequest;
  answered: Promise<[IncomingMessage]>;
} {
  const target = new URL(`${stack.url}${path}`);
  const request = httpRequest({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
  });
  return { request, answered: once(request, 'response') as Promise<[IncomingMessage]> };
}

describe('streaming', () => {
  it('passes a 20 MiB upload on before the client has finished sending it', async () => {
    const { request, answered } = startUpload('/upload');
    const chunk = Buffer.alloc(MIB, 0x62);
    request.write(chunk);
    // The upstream sees bytes while 19 MiB are still unsent: nothing waits for the whole body.
    await within(
      10_000,
      'the first upload bytes reaching the upstream',
      stack.upstream.firstUploadBytes(),
    );
    for (let sent = 1; sent < 20; sent++) {
      if (!request.write(chunk)) await once(request, 'drain');
    }
    request.end();
    const [response] = await answered;
    let text = '';
    for await (const part of response) text += String(part);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(text)).toEqual({ bytes: 20 * MIB });
  });

  it('passes a 20 MiB download on before the upstream has finished sending it', async () => {
    const response = await fetch(`${stack.url}/download?mb=20`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    // The upstream sends 1 MiB and then holds the other 19 until released.
    while (received < MIB / 2) {
      const { value, done } = await within(10_000, 'the first MiB', reader.read());
      if (done) break;
      received += value.length;
    }
    expect(received).toBeGreaterThanOrEqual(MIB / 2);
    expect(received).toBeLessThanOrEqual(2 * MIB);
    stack.upstream.releaseDownload();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      received += value.length;
    }
    expect(received).toBe(20 * MIB);
  });
});

describe('upstream failures', () => {
  it('answers 502 with a JSON body when the upstream cannot be reached', async () => {
    const deadPort = await findFreePort();
    const gateway = await harness.startGateway(
      { ...stack, upstream: { ...stack.upstream, url: `http://127.0.0.1:${deadPort}` } },
      {},
    );
    const { status, body, headers } = await getJson(`${gateway.url}/orders`, {
      authorization: `Bearer ${token}`,
    });
    expect(status).toBe(502);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({
      error: 'bad_gateway',
      error_description: 'the upstream service cannot be reached',
    });
  });

  it('lets an upload slower than the bound reach a fast upstream', async () => {
    // The bound (1000 ms) is for the upstream: a client still sending is not the upstream late.
    const { request, answered } = startUpload('/upload');
    const started = performance.now();
    const piece = Buffer.alloc(1024, 0x63);
    for (let sent = 0; sent < 8; sent++) {
      request.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    request.end();
    const [response] = await answered;
    let text = '';
    for await (const part of response) text += String(part);
    expect(performance.now() - started).toBeGreaterThan(1500);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(text)).toEqual({ bytes: 8 * 1024 });
  });

  it('answers 504 one bound after a slow upload ends when the upstream does not answer', async () => {
    const { request, answered } = startUpload('/slow');
    for (let sent = 0; sent < 6; sent++) {
      request.write(Buffer.alloc(1024, 0x64));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const ended = performance.now();
    request.end();
    const [response] = await answered;
    response.resume();
    const elapsed = performance.now() - ended;
    expect(response.statusCode).toBe(504);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);
  });

  it('answers 504 within the bound when the upstream does not answer', async () => {
    const started = performance.now();
    const { status, body } = await getJson(`${stack.url}/slow`, {
      authorization: `Bearer ${token}`,
    });
    const elapsed = performance.now() - started;
    expect(status).toBe(504);
    expect(body['error']).toBe('gateway_timeout');
    // The stack's bound is 1000 ms.
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);
  });
});
