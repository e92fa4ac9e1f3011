import { connectRedis, type RedisClient } from '../revocation/redis-connection.js';
import { DpopProofVerifier } from '../token/dpop-proof.js';
import type { Clock } from '../token/clock.js';
import { DpopNonces } from '../verifier/dpop/dpop-nonces.js';
import type { DpopReplayCache } from '../verifier/dpop/dpop-replay-cache.js';
import { MemoryDpopReplayCache } from '../verifier/dpop/memory-dpop-replay-cache.js';
import { RedisDpopReplayCache } from '../verifier/dpop/redis-dpop-replay-cache.js';
import type { ServerConfig } from './server-config.js';

/** How long after its `iat` the server accepts a DPoP proof (plus the clock tolerance). */
export const DPOP_PROOF_MAX_AGE_SECONDS = 60;

/** What the server needs to check DPoP proofs (RFC 9449). */
export interface DpopContext {
  readonly proofs: DpopProofVerifier;
  /** Proof ids seen within their lifetime: in memory, or in Redis with `--redis`. */
  readonly replay: DpopReplayCache;
  /** Server nonces when `--dpop-nonce` is on; null otherwise. */
  readonly nonces: DpopNonces | null;
}

/** A {@link DpopContext} and what must be released with the server. */
export interface OpenedDpopContext {
  readonly dpop: DpopContext;
  close(): void;
}

/**
 * Build the DPoP checks of a server. With `--redis` the replay cache lives there, so a proof
 * used at one process is refused at every other; nonces are keyed from the master key, so
 * every process of a deployment accepts the nonces of the others.
 */
export async function openDpopContext(
  config: Pick<ServerConfig, 'clockToleranceSeconds' | 'redis' | 'redisPrefix' | 'dpopNonce'>,
  masterKey: Uint8Array,
  clock: Clock,
): Promise<OpenedDpopContext> {
  let redis: RedisClient | null = null;
  let replay: DpopReplayCache;
  if (config.redis === '') {
    replay = new MemoryDpopReplayCache({ clock });
  } else {
    redis = await connectRedis(config.redis, { name: 'tessera:dpop-replay' });
    replay = new RedisDpopReplayCache({ redis, prefix: config.redisPrefix, clock });
  }
  const dpop: DpopContext = {
    proofs: new DpopProofVerifier({
      clock,
      maxAgeSeconds: DPOP_PROOF_MAX_AGE_SECONDS,
      clockToleranceSeconds: config.clockToleranceSeconds,
    }),
    replay,
    nonces: config.dpopNonce ? new DpopNonces({ secret: masterKey, clock }) : null,
  };
  return {
    dpop,
    close: () => {
      redis?.disconnect();
    },
  };
}
