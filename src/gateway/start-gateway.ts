import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../token/clock.js';
import { DpopProofVerifier } from '../token/dpop-proof.js';
import { createVerifier, type Verifier } from '../verifier/create-verifier.js';
import type { DpopReplayCache } from '../verifier/dpop/dpop-replay-cache.js';
import { MemoryDpopReplayCache } from '../verifier/dpop/memory-dpop-replay-cache.js';
import { createRequestAuthenticator } from '../verifier/http/request-authenticator.js';
import type { GatewayConfig } from './gateway-config.js';
import type { CookieSessionParts } from './cookie-session-gate.js';
import { createGatewayHandler } from './gateway-handler.js';
import { createSessionRefresher } from './session-refresher.js';
import { gatewayVerifierOptions } from './internal/gateway-verifier-options.js';
import { createUpstreamForwarder } from './upstream-forwarder.js';

/**
 * Proof ids held in memory at once. A proof id is kept about 65 s (its age limit plus clock
 * tolerance), so this bounds DPoP traffic to about 15 000 requests per second per process, at
 * roughly 150 bytes an id; beyond, proofs get 503 rather than a chance to be replayed. The
 * verifier's default (100 000) would cap a busy gateway near 1 500 per second.
 */
const MEMORY_REPLAY_MAX_ENTRIES = 1_000_000;

/** `realm` of the gateway's Bearer challenges (RFC 6750 §3), the same in every answer. */
const GATEWAY_REALM = 'tessera';

/** Hooks and limits of {@link startGateway}; all optional. */
export interface StartGatewayOptions {
  /** A request could not be served (upstream down or slow, checks unavailable); for the log. */
  readonly onError?: (error: unknown) => void;
  /** An unsafe setting is in use (revocations `none`). Default: `process.emitWarning`. */
  readonly onWarning?: (message: string) => void;
  /** How long to wait for keys and revocations before reporting "not ready"; default 10 000 ms. */
  readonly readyTimeoutMs?: number;
  /** Time source of token checks; default the system clock (tests move it to expire tokens). */
  readonly clock?: Clock;
}

/** A listening gateway. */
export interface RunningGateway {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The URL DPoP proofs must name. */
  readonly publicUrl: string;
  /** True when keys and revocations were loaded before the wait ran out. */
  readonly ready: boolean;
  readonly server: Server;
  readonly verifier: Verifier;
  /** Stop listening, end open connections, and release the verifier and Redis. */
  close(): Promise<void>;
}

/**
 * Start `tessera gateway`: a reverse proxy that verifies every request that is not on a public
 * path and forwards the identity to the upstream in `X-Tessera-*` headers. It listens first
 * (a taken port fails at once), then waits up to `readyTimeoutMs` for keys and revocations;
 * until they are loaded, tokens are refused with 503.
 *
 * @throws VerifierError `ERR_VERIFIER_OPTIONS_INVALID` for settings the verifier refuses;
 *   the listen error (`EADDRINUSE`, …) when the port cannot be had.
 * @example
 * const gateway = await startGateway(resolveGatewayConfig(flags, process.env));
 * console.log(`listening on ${gateway.url}`);
 */
export async function startGateway(
  config: GatewayConfig,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const onError = options.onError ?? (() => undefined);
  const clock = options.clock ?? systemClock;
  const verifier = createVerifier(
    gatewayVerifierOptions(config, {
      onError,
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    }),
  );
  const releases: (() => void | Promise<void>)[] = [() => verifier.close()];
  const release = async (): Promise<void> => {
    for (const step of releases.splice(0).reverse()) await step();
  };
  try {
    let replay: DpopReplayCache | null = null;
    if (config.dpop && config.redis !== '') {
      // Loaded only when asked for, so a gateway without Redis never loads its driver.
      const { connectRedis } = await import('../revocation/redis-connection.js');
      const { RedisDpopReplayCache } = await import('../verifier/dpop/redis-dpop-replay-cache.js');
      const redis = await connectRedis(config.redis, { name: 'tessera:gateway-dpop' });
      releases.push(() => {
        redis.disconnect();
      });
      replay = new RedisDpopReplayCache({ redis, prefix: config.redisPrefix });
    } else if (config.dpop) {
      replay = new MemoryDpopReplayCache({ maxEntries: MEMORY_REPLAY_MAX_ENTRIES });
    }
    const authenticator = createRequestAuthenticator({
      verifier,
      realm: GATEWAY_REALM,
      dpop: replay === null ? false : { proofs: new DpopProofVerifier(), replay },
      cookies:
        config.cookieSession === null
          ? false
          : { allowedOrigins: config.cookieSession.browserOrigins },
    });
    const cookieSession: CookieSessionParts | null =
      config.cookieSession === null
        ? null
        : {
            config: config.cookieSession,
            realm: GATEWAY_REALM,
            refresher: createSessionRefresher({
              tokenEndpoint: config.cookieSession.tokenEndpoint,
              clientId: config.cookieSession.refreshClientId,
              timeoutMs: config.cookieSession.refreshTimeoutMs,
              reuseMs: config.cookieSession.refreshReuseMs,
              ...(options.clock === undefined ? {} : { now: () => clock.now() }),
            }),
          };
    const forwarder = createUpstreamForwarder({
      upstream: config.upstream,
      timeoutMs: config.upstreamTimeoutMs,
      onError,
    });
    releases.push(() => {
      forwarder.close();
    });
    const handler = createGatewayHandler({
      config,
      authenticator,
      forwarder,
      onError,
      isReady: () => verifier.status().ready,
      cookieSession,
    });
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      handler(request, response);
    });
    await listen(server, config.host, config.port);
    releases.push(() => closeServer(server));
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const ready = await waitReady(verifier, options.readyTimeoutMs ?? 10_000);
    return {
      url: `http://${host}:${address.port}`,
      publicUrl: config.publicUrl.href.replace(/\/$/, ''),
      ready,
      server,
      verifier,
      close: release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    // Keep-alive and streaming connections would hold close() open.
    server.closeAllConnections();
  });
}

async function waitReady(verifier: Verifier, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
  });
  try {
    return await Promise.race([verifier.ready().then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
