import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveGatewayConfig, type RawGatewaySettings } from '../../src/gateway/gateway-config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/start-gateway.js';
import type { RunningServer } from '../../src/server/start-server.js';
import { findFreePort } from '../server/dpop-client.js';
import {
  addClient,
  addUser,
  basic,
  postForm,
  ServerHarness,
  stringField,
} from '../support/server-fixture.js';

// The gateway's tests run everything for real on 127.0.0.1: an auth server (ServerHarness)
// issuing tokens, an upstream that echoes what reached it and streams bodies, and the gateway.

/** The audience of tokens the test auth server issues and the gateway accepts. */
export const AUDIENCE = 'orders-api';

/** What the echo upstream answers on most paths: what it received. */
export interface Echo {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly bodyBytes: number;
}

/** A test upstream on 127.0.0.1 and what it lets tests steer. */
export interface EchoUpstream {
  readonly url: string;
  readonly server: Server;
  /** Resolves when an `/upload` request's first body bytes have reached the upstream. */
  firstUploadBytes(): Promise<void>;
  /** Lets a held `/download` send the rest of its body. */
  releaseDownload(): void;
  close(): Promise<void>;
}

const MIB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/**
 * Paths: `/upload` counts the body and answers `{ bytes }`; `/download?mb=N` sends N MiB, the
 * first one at once and the rest after {@link EchoUpstream.releaseDownload}; `/slow` never
 * answers; anything else echoes method, URL, headers and body size as JSON.
 */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  let uploadSeen: () => void = () => undefined;
  let uploadStarted = new Promise<void>((resolve) => (uploadSeen = resolve));
  let release: () => void = () => undefined;
  let released = new Promise<void>((resolve) => (release = resolve));
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0];
    if (path === '/slow') return; // held until the gateway gives up
    if (path === '/download') {
      const mib = Number(new URL(request.url ?? '', 'http://x').searchParams.get('mb') ?? '1');
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      void streamDownload(response, mib * MIB, released);
      return;
    }
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      if (bytes === 0 && path === '/upload') uploadSeen();
      bytes += chunk.length;
    });
    request.on('end', () => {
      const body: Echo | { bytes: number } =
        path === '/upload'
          ? { bytes }
          : {
              method: request.method ?? '',
              url: request.url ?? '',
              headers: request.headers,
              bodyBytes: bytes,
            };
      response.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo' });
      response.end(JSON.stringify(body));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    firstUploadBytes: () => uploadStarted,
    releaseDownload: () => {
      release();
      released = new Promise<void>((resolve) => (release = resolve));
      uploadStarted = new Promise<void>((resolve) => (uploadSeen = resolve));
    },
    close: async () => {
      release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function streamDownload(
  response: ServerResponse,
  total: number,
  released: Promise<void>,
): Promise<void> {
  let sent = 0;
  while (sent < total) {
    if (sent === MIB) await released;
    if (!response.write(CHUNK)) await once(response, 'drain');
    sent += CHUNK.length;
  }
  response.end();
}

/** An auth server, an echo upstream and a gateway in front of it, all on 127.0.0.1. */
export interface GatewayStack {
  readonly auth: RunningServer;
  readonly issuer: string;
  readonly upstream: EchoUpstream;
  readonly gateway: RunningGateway;
  /** The gateway's URL (its public URL as well). */
  readonly url: string;
  /** The secret of client `reporting`, which may ask for `orders:read orders:write`. */
  readonly clientSecret: string;
}

/** Starts stacks and stops every part of them in {@link cleanup}. */
export class GatewayHarness {
  readonly servers = new ServerHarness();
  readonly #closers: (() => Promise<void>)[] = [];

  /** Start a stack; `settings` override the gateway's (raw, as flags). */
  async start(settings: RawGatewaySettings = {}): Promise<GatewayStack> {
    const authPort = await findFreePort();
    const issuer = `http://127.0.0.1:${authPort}`;
    const { server: auth } = await this.servers.start({
      flags: { port: String(authPort), issuer, audience: AUDIENCE },
    });
    await addUser(auth, 'alice');
    const clientSecret =
      (await addClient(auth, 'reporting', { scopes: ['orders:read', 'orders:write'] })) ?? '';
    const upstream = await startEchoUpstream();
    this.#closers.push(() => upstream.close());
    const stack = { auth, issuer, upstream, clientSecret };
    const gateway = await this.startGateway(stack, settings);
    return { ...stack, gateway, url: gateway.url };
  }

  /** Another gateway in front of `stack`'s upstream (or `settings.upstream`), with its own settings. */
  async startGateway(
    stack: Pick<GatewayStack, 'issuer' | 'upstream'>,
    settings: RawGatewaySettings = {},
  ): Promise<RunningGateway> {
    const gatewayPort = await findFreePort();
    const config = resolveGatewayConfig(
      {
        listen: `127.0.0.1:${gatewayPort}`,
        upstream: stack.upstream.url,
        issuer: stack.issuer,
        audience: AUDIENCE,
        upstreamTimeoutMs: '1000',
        ...settings,
      },
      {},
    );
    const gateway = await startGateway(config, { readyTimeoutMs: 15_000 });
    this.#closers.push(() => gateway.close());
    if (!gateway.ready) throw new Error('the gateway did not load keys and revocations in time');
    return gateway;
  }

  async cleanup(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) await close();
    await this.servers.cleanup();
  }
}

/** A client_credentials token of client `reporting` with `scope`; with `dpop`, bound to its key. */
export async function clientToken(
  stack: GatewayStack,
  scope: string,
  dpop?: string,
): Promise<string> {
  const response = await postForm(
    `${stack.issuer}/oauth/token`,
    { grant_type: 'client_credentials', scope },
    { ...basic('reporting', stack.clientSecret), ...(dpop === undefined ? {} : { dpop }) },
  );
  if (response.status !== 200) throw new Error(`token request failed: ${response.text}`);
  return stringField(response.body, 'access_token');
}

/** GET through the gateway and read the echo (or error) body as JSON. */
export async function getJson(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(url, { method, headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** The headers the upstream received, from an echo body. */
export function echoedHeaders(body: Record<string, unknown>): Record<string, unknown> {
  return body['headers'] as Record<string, unknown>;
}
