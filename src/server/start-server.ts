import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { loadMasterKey, type LoadedMasterKey } from '../keys/master-key.js';
import { Sealer } from '../keys/sealer.js';
import type { RevocationLogReader } from '../revocation/revocation-follower.js';
import { deriveBrowserBindingKeys } from '../sessions/browser-binding-keys.js';
import { LoginThrottle } from '../sessions/login-throttle.js';
import { PasswordHasher } from '../sessions/password-hasher.js';
import { MeteredSessionService } from './operations/metered-session-service.js';
import { ServerMetrics } from './operations/server-metrics.js';
import { FIRST_PARTY_CLIENT_ID } from '../sessions/auth-policy.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { systemClock, type Clock } from '../token/clock.js';
import { JwtVerifier } from '../token/verify-jwt.js';
import { buildApp } from './build-app.js';
import { openDpopContext, type OpenedDpopContext } from './dpop-context.js';
import { startRevocationRuntime, type RevocationRuntime } from './revocation-runtime.js';
import type { ServerConfig } from './server-config.js';
import type { ServerContext } from './server-context.js';
import { SigningKeyManager } from './signing-keys.js';

/** A running auth server. */
export interface RunningServer {
  readonly app: FastifyInstance;
  /** Where it listens, e.g. `http://127.0.0.1:4000`. */
  readonly url: string;
  readonly context: ServerContext;
  readonly masterKey: Pick<LoadedMasterKey, 'source' | 'path'>;
  close(): Promise<void>;
}

/** Options of {@link startServer} that are not configuration: injected for tests. */
export interface StartServerOptions {
  readonly logger?: FastifyServerOptions['logger'];
  readonly clock?: Clock;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Password hashing cost; tests lower it, never below the hasher's floor. */
  readonly passwords?: PasswordHasher;
  /** Revocation-log polling, default min(1 s, max staleness / 3); while the Redis stream works, `whileStreamingMs`. */
  readonly revocationPolling?: { readonly intervalMs?: number; readonly whileStreamingMs?: number };
  /** Stands between the store and the revocation follower (tests make reads fail). */
  readonly wrapRevocationLog?: (log: RevocationLogReader) => RevocationLogReader;
  /** Time source of revocation staleness; default a monotonic clock. */
  readonly freshnessClock?: Clock;
}

/** How often a process re-reads keys, prunes expired revocations and checks the rotation age. */
const MAINTENANCE_MS = 30_000;

/** The open store and keys an admin command or the server works with. */
export interface OpenedState {
  readonly store: Store;
  readonly sealer: Sealer;
  readonly masterKey: LoadedMasterKey;
}

/** Open the store and the master key of a data directory (shared by `serve` and admin commands). */
export async function openState(
  config: Pick<ServerConfig, 'dataDir' | 'db'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<OpenedState> {
  const masterKey = await loadMasterKey(config.dataDir, env);
  const store = await openStore(config.db);
  return { store, sealer: new Sealer(masterKey.key), masterKey };
}

/**
 * Start the auth server: open the store, load (or create) the master key and signing keys,
 * read the whole revocation log into memory, and only then listen, so the first request
 * already sees every revocation.
 *
 * @throws Error with a clear message for a taken port or an unusable data directory.
 */
export async function startServer(
  config: ServerConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const { store, sealer, masterKey } = await openState(config, options.env);
  const timers: NodeJS.Timeout[] = [];
  // What a failed start must stop besides the timers: the follower polls on its own timer,
  // the Redis stream reads on its own connection.
  let revocations: RevocationRuntime | null = null;
  let dpop: OpenedDpopContext | null = null;
  try {
    const keys = await SigningKeyManager.load(store, sealer, clock, {
      algorithm: config.keyAlgorithm,
      prepublishSeconds: config.keyPrepublishSeconds,
      overlapSeconds: config.accessTokenTtlSeconds + config.clockToleranceSeconds,
      rotateAfterSeconds: config.keyRotateAfterSeconds,
    });
    revocations = await startRevocationRuntime(config, {
      clock,
      log: options.wrapRevocationLog?.(store) ?? store,
      pollIntervalMs: options.revocationPolling?.intervalMs,
      streamingPollIntervalMs: options.revocationPolling?.whileStreamingMs,
      freshnessClock: options.freshnessClock,
    });
    const runtime = revocations;
    dpop = await openDpopContext(config, masterKey.key, clock);
    const dpopContext = dpop;
    const { denylist, follower, freshness, afterRevocation } = runtime;
    // Cookie mode's CSRF tokens and the sidecar's fingerprints: derived, never stored, and the
    // same in every process that shares the master key.
    const browserKeys = deriveBrowserBindingKeys(masterKey.key);
    const verifier = new JwtVerifier({
      keys,
      issuer: config.issuer,
      audience: config.audience,
      algorithms: ['EdDSA', 'ES256', 'RS256', 'PS256'],
      clockToleranceSeconds: config.clockToleranceSeconds,
      requiredClaims: ['sub', 'jti', 'iat', 'client_id'],
      clock,
      isRevoked: (claims, header, kid) => denylist.isRevoked(claims, header, kid),
    });
    // Made before the sessions so that they count every refresh, whichever route asked.
    const metrics = new ServerMetrics({ denylist, freshness, follower, config });
    const sessions = new MeteredSessionService(
      {
        store,
        signingKeys: keys,
        sealer,
        passwords: options.passwords ?? new PasswordHasher(),
        throttle: new LoginThrottle({
          clock,
          ...(runtime.throttleStore === undefined ? {} : { store: runtime.throttleStore }),
        }),
        policy: {
          issuer: config.issuer,
          audience: config.audience,
          firstPartyClientId: FIRST_PARTY_CLIENT_ID,
          accessTokenTtlSeconds: config.accessTokenTtlSeconds,
          sessionIdleSeconds: config.sessionIdleSeconds,
          sessionAbsoluteSeconds: config.sessionAbsoluteSeconds,
          refreshGraceSeconds: config.refreshGraceSeconds,
          clockToleranceSeconds: config.clockToleranceSeconds,
        },
        clock,
        afterRevocation,
        browserKeys,
      },
      (outcome) => {
        metrics.countRefresh(outcome);
      },
    );
    const context: ServerContext = {
      config,
      store,
      sessions,
      keys,
      verifier,
      denylist,
      follower,
      freshness,
      afterRevocation,
      clock,
      dpop: dpopContext.dpop,
      browserKeys,
      metrics,
    };
    const app = await buildApp(context, options.logger ?? false);
    runtime.attachLog(app.log);
    // A kid revocation may have replaced the signing key (`tessera keys revoke --rotate`, or
    // another server): read the keys now rather than at the next maintenance, so this
    // process stops signing with a revoked key within a poll of the log, not 30 s.
    follower.subscribe((event) => {
      if (event.kind !== 'kid') return;
      keys.reload().catch((error: unknown) => {
        app.log.error({ err: error }, 'reloading the signing keys failed');
      });
    });

    const maintain = async (): Promise<void> => {
      await keys.rotateIfDue();
      await keys.reload();
      await store.pruneRevocations(clock.now());
      denylist.prune(clock.now());
    };
    const timer = setInterval(() => {
      maintain().catch((error: unknown) => {
        app.log.error({ err: error }, 'maintenance failed');
      });
    }, MAINTENANCE_MS);
    timer.unref();
    timers.push(timer);
    await maintain();

    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (error) {
      await app.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new Error(`port ${config.port} on ${config.host} is already in use`, {
          cause: error,
        });
      if (code === 'EADDRNOTAVAIL')
        throw new Error(`cannot listen on ${config.host}: no such local address`, { cause: error });
      throw error;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      app,
      url: `http://${host}:${port}`,
      context,
      masterKey: { source: masterKey.source, path: masterKey.path },
      close: async () => {
        for (const t of timers) clearInterval(t);
        await runtime.close();
        await app.close();
        dpopContext.close();
        await store.close();
      },
    };
  } catch (error) {
    for (const t of timers) clearInterval(t);
    await revocations?.close();
    dpop?.close();
    await store.close();
    throw error;
  }
}
