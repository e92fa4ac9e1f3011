import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveGatewayConfig } from '../../src/gateway/gateway-config.js';
import { upstreamRequestHeaders } from '../../src/gateway/internal/forward-headers.js';
import { startGateway } from '../../src/gateway/start-gateway.js';
import { createUpstreamForwarder } from '../../src/gateway/upstream-forwarder.js';
import { startBenchServer } from './http-bench-server.js';

// The servers of the gateway benchmark, run in a child process so the load generator
// (autocannon, in the parent) does not share their event loop: an auth server issuing tokens,
// an upstream answering a small JSON body, a plain proxy on the gateway's own HTTP stack
// without any auth, and the gateway. Started with `node --import tsx`; it reports its URLs
// over IPC and stops on "stop" or when the parent goes away.

/** What the child reports once everything listens. */
export interface GatewayBenchUrls {
  readonly auth: string;
  readonly upstream: string;
  readonly proxy: string;
  readonly gateway: string;
  /** The URL DPoP proofs for the gateway must name. */
  readonly gatewayPublicUrl: string;
}

export const BENCH_USER = { username: 'bench-gateway', password: 'correct horse battery staple' };
export const GATEWAY_PUBLIC_URL = 'http://gateway.bench.invalid';
const BODY = JSON.stringify({ ok: true, items: [1, 2, 3] });

async function listenLocal(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function main(): Promise<void> {
  const auth = await startBenchServer([BENCH_USER]);
  const upstreamServer = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(BODY),
      });
      response.end(BODY);
    });
  });
  const upstream = await listenLocal(upstreamServer);
  const upstreamUrl = new URL(upstream);

  // Contender (b): the same forwarder and header handling as the gateway, no authentication.
  const forwarder = createUpstreamForwarder({ upstream: upstreamUrl, timeoutMs: 30_000 });
  const proxyServer = createServer((request, response) => {
    forwarder.forward(
      request,
      response,
      request.url ?? '/',
      upstreamRequestHeaders(request.rawHeaders, {
        host: upstreamUrl.host,
        forwardedProto: 'http',
        forwardedHost: undefined,
        clientAddress: request.socket.remoteAddress,
        identity: [],
        dropToken: true,
      }),
    );
  });
  const proxy = await listenLocal(proxyServer);

  const gateway = await startGateway(
    resolveGatewayConfig(
      {
        listen: '127.0.0.1:0',
        upstream,
        issuer: 'http://127.0.0.1',
        audience: 'http://127.0.0.1',
        jwksUri: `${auth.url}/.well-known/jwks.json`,
        revocations: `${auth.url}/revocations/stream`,
        publicUrl: GATEWAY_PUBLIC_URL,
      },
      {},
    ),
  );
  if (!gateway.ready) throw new Error('the gateway did not load keys and revocations');

  const stop = async (): Promise<void> => {
    await gateway.close();
    forwarder.close();
    proxyServer.closeAllConnections();
    upstreamServer.closeAllConnections();
    proxyServer.close();
    upstreamServer.close();
    await auth.close();
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  const urls: GatewayBenchUrls = {
    auth: auth.url,
    upstream,
    proxy,
    gateway: gateway.url,
    gatewayPublicUrl: GATEWAY_PUBLIC_URL,
  };
  process.send?.(urls);
}

await main();
