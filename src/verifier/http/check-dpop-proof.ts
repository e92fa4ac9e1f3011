import type { DpopProofVerifier, VerifiedDpopProof } from '../../token/dpop-proof.js';
import { TokenError, type TokenErrorCode } from '../../token/errors.js';
import type { DpopNonces } from '../dpop/dpop-nonces.js';
import {
  assertFirstUse,
  ReplayCacheUnavailableError,
  type DpopReplayCache,
} from '../dpop/dpop-replay-cache.js';

/** What checking DPoP proofs needs: the proof rules, a replay cache and, optionally, nonces. */
export interface DpopChecks {
  readonly proofs: DpopProofVerifier;
  /** Proof ids seen within their lifetime; share one (Redis) between processes behind one URL. */
  readonly replay: DpopReplayCache;
  /** Server nonces (RFC 9449 §8) when they are required; null or absent when they are not. */
  readonly nonces?: Pick<DpopNonces, 'current' | 'isValid'> | null;
}

/** One request's proof and what it must match. */
export interface DpopProofInput {
  /** The `DPoP` header as received: a repeated header (an array) is refused. */
  readonly proof: string | readonly string[] | undefined | null;
  readonly method: string;
  /** The absolute URL the client addressed (the public one, not the one behind a proxy). */
  readonly url: string;
  /** At a protected resource: the access token, whose hash `ath` must carry. */
  readonly accessToken?: string;
  /** At a protected resource: the token's `cnf.jkt`, the key the proof must be signed with. */
  readonly expectedJkt?: string;
}

/** Why a proof was not accepted, in RFC 9449 §7.1 / §12.2 terms. */
export interface DpopCheckFailure {
  readonly ok: false;
  /**
   * `invalid_dpop_proof`; `use_dpop_nonce` (send {@link nonce} and retry); or
   * `temporarily_unavailable` while the replay cache cannot answer (fail closed).
   */
  readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce' | 'temporarily_unavailable';
  /** Safe for the wire: names the rule that failed, never a token or key. */
  readonly description: string;
  /** Stable code for logs: an `ERR_DPOP_*` code. */
  readonly code: TokenErrorCode | 'ERR_DPOP_REPLAY_CACHE_UNAVAILABLE';
  /** With `use_dpop_nonce`: the nonce to hand out in a `DPoP-Nonce` header. */
  readonly nonce: string | undefined;
  /** The error behind a `temporarily_unavailable`, for the operator's log. */
  readonly cause: unknown;
}

/** A proof that passed every check and was seen for the first time. */
export interface DpopCheckSuccess {
  readonly ok: true;
  readonly proof: VerifiedDpopProof;
}

/**
 * Check the `DPoP` proof of one request, framework-free: the proof itself (RFC 9449 §4.3, with
 * `ath` and the bound key when a token is given), the server nonce when nonces are required,
 * and single use through the replay cache. Expected refusals are values; only bugs throw.
 *
 * @example
 * const checked = await checkDpopProof(
 *   { proofs: new DpopProofVerifier(), replay: new MemoryDpopReplayCache() },
 *   { proof: headers['dpop'], method: 'GET', url: 'https://api.example/orders', accessToken, expectedJkt },
 * );
 * if (!checked.ok) return answer401(checked.error, checked.description);
 */
export async function checkDpopProof(
  checks: DpopChecks,
  input: DpopProofInput,
): Promise<DpopCheckSuccess | DpopCheckFailure> {
  // RFC 9449 §4.3 check 1: exactly one DPoP header. A Fetch `Headers` joins repeats with a
  // comma, which no proof contains, so those fail as malformed in the proof checker.
  if (typeof input.proof !== 'string') {
    return refused('ERR_DPOP_PROOF_MALFORMED', 'exactly one DPoP proof is required');
  }
  const nonces = checks.nonces ?? null;
  try {
    const proof = checks.proofs.verify({
      proof: input.proof,
      method: input.method,
      url: input.url,
      ...(input.accessToken === undefined ? {} : { accessToken: input.accessToken }),
      ...(input.expectedJkt === undefined ? {} : { expectedJkt: input.expectedJkt }),
      ...(nonces === null ? {} : { isNonceValid: (nonce: string) => nonces.isValid(nonce) }),
    });
    await assertFirstUse(checks.replay, proof);
    return { ok: true, proof };
  } catch (error) {
    if (error instanceof ReplayCacheUnavailableError) {
      return {
        ok: false,
        error: 'temporarily_unavailable',
        description: 'DPoP proofs cannot be checked now; retry shortly',
        code: error.code,
        nonce: undefined,
        cause: error,
      };
    }
    if (!(error instanceof TokenError)) throw error;
    if (error.code === 'ERR_DPOP_NONCE_INVALID' && nonces !== null) {
      return {
        ok: false,
        error: 'use_dpop_nonce',
        description: 'the DPoP proof needs the nonce this server provides',
        code: error.code,
        nonce: nonces.current(),
        cause: undefined,
      };
    }
    // The checker's messages name the rule that failed and never a token or key.
    return refused(error.code, error.message);
  }
}

function refused(code: TokenErrorCode, description: string): DpopCheckFailure {
  return {
    ok: false,
    error: 'invalid_dpop_proof',
    description,
    code,
    nonce: undefined,
    cause: undefined,
  };
}
