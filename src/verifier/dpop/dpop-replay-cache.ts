import { TesseraError, TokenError } from '../../token/errors.js';
import type { VerifiedDpopProof } from '../../token/dpop-proof.js';

/**
 * Remembers DPoP proof ids (`jti`, RFC 9449 §11.1) until the proofs could no longer be
 * accepted anyway, so that each proof works once.
 */
export interface DpopReplayCache {
  /**
   * Record `id` until `expiresAtMs` and answer, atomically, whether this is the first time it
   * was seen: true for a new id, false for a replay.
   *
   * @throws ReplayCacheUnavailableError when it cannot tell (Redis down, memory full).
   */
  markSeen(id: string, expiresAtMs: number): Promise<boolean>;
}

/**
 * The replay cache cannot say whether a proof is new, so no proof is accepted: a proof that
 * might be a replay is never waved through.
 */
export class ReplayCacheUnavailableError extends TesseraError {
  override name = 'ReplayCacheUnavailableError';
  declare readonly code: 'ERR_DPOP_REPLAY_CACHE_UNAVAILABLE';

  constructor(message: string, options?: ErrorOptions) {
    super('ERR_DPOP_REPLAY_CACHE_UNAVAILABLE', message, options);
  }
}

/**
 * Refuse a proof whose `jti` this cache has seen from the same key before.
 *
 * @throws TokenError `ERR_DPOP_REPLAYED`; ReplayCacheUnavailableError.
 * @example
 * const proof = dpop.verify({ proof: header, method, url });
 * await assertFirstUse(replayCache, proof);
 */
export async function assertFirstUse(
  cache: DpopReplayCache,
  proof: Pick<VerifiedDpopProof, 'replayKey' | 'replayExpiresAt'>,
): Promise<void> {
  if (!(await cache.markSeen(proof.replayKey, proof.replayExpiresAt))) {
    throw new TokenError('ERR_DPOP_REPLAYED', 'the DPoP proof has been used before', 'jti');
  }
}
