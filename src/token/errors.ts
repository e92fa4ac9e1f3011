/**
 * Every failure a token or request can cause is a {@link TesseraError} with a stable `code`.
 * Caller mistakes (a missing issuer, a bad option) are `TypeError`s instead, so that they
 * surface during development and never look like a bad token.
 */

/** Codes of the `token` part. Stable: never renamed, never reused. */
export type TokenErrorCode =
  | 'ERR_JWS_TOO_LARGE'
  | 'ERR_JWS_MALFORMED'
  | 'ERR_JWS_HEADER_INVALID'
  | 'ERR_JWS_ALG_NOT_ALLOWED'
  | 'ERR_JWS_KEY_NOT_FOUND'
  | 'ERR_JWS_SIGNATURE_INVALID'
  | 'ERR_JWT_TYPE_INVALID'
  | 'ERR_JWT_CLAIM_MISSING'
  | 'ERR_JWT_CLAIM_INVALID'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_NOT_YET_VALID'
  | 'ERR_JWT_TOO_OLD'
  | 'ERR_JWT_REVOKED'
  | TokenFormatErrorCode
  | DpopErrorCode;

/**
 * Codes of the other token formats: nested JWTs in JWE (RFC 7516, RFC 7519 §5.2) and PASETO
 * v4. Claims inside them fail with the `ERR_JWT_*` codes, which mean the same there.
 * - `ERR_TOKEN_FORMAT_NOT_ALLOWED`: a format the verifier was not configured to accept;
 * - `ERR_TOKEN_NEEDS_ASYNC`: encrypted and PASETO tokens are only checked by `verifyAsync`;
 * - `ERR_JWE_REQUIRED`: a plain JWS where only encrypted tokens are accepted;
 * - `ERR_JWE_CONTENT_INVALID`: the JWE does not declare `cty: JWT`, or does not hold a JWS.
 */
export type TokenFormatErrorCode =
  | 'ERR_TOKEN_FORMAT_NOT_ALLOWED'
  | 'ERR_TOKEN_NEEDS_ASYNC'
  | 'ERR_JWE_TOO_LARGE'
  | 'ERR_JWE_MALFORMED'
  | 'ERR_JWE_HEADER_INVALID'
  | 'ERR_JWE_ALG_NOT_ALLOWED'
  | 'ERR_JWE_ENC_NOT_ALLOWED'
  | 'ERR_JWE_KEY_NOT_FOUND'
  | 'ERR_JWE_DECRYPTION_FAILED'
  | 'ERR_JWE_CONTENT_INVALID'
  | 'ERR_JWE_REQUIRED'
  | 'ERR_PASETO_TOO_LARGE'
  | 'ERR_PASETO_MALFORMED'
  | 'ERR_PASETO_PURPOSE_NOT_ALLOWED'
  | 'ERR_PASETO_FOOTER_INVALID'
  | 'ERR_PASETO_KEY_NOT_FOUND'
  | 'ERR_PASETO_SIGNATURE_INVALID'
  | 'ERR_PASETO_DECRYPTION_FAILED';

/**
 * Codes of DPoP proofs (RFC 9449 §4.3), which are token problems too: the proof is malformed,
 * signed wrongly, or does not fit the request it came with.
 */
export type DpopErrorCode =
  | 'ERR_DPOP_PROOF_TOO_LARGE'
  | 'ERR_DPOP_PROOF_MALFORMED'
  | 'ERR_DPOP_TYPE_INVALID'
  | 'ERR_DPOP_ALG_NOT_ALLOWED'
  | 'ERR_DPOP_JWK_INVALID'
  | 'ERR_DPOP_SIGNATURE_INVALID'
  | 'ERR_DPOP_CLAIM_MISSING'
  | 'ERR_DPOP_CLAIM_INVALID'
  | 'ERR_DPOP_HTM_MISMATCH'
  | 'ERR_DPOP_HTU_MISMATCH'
  | 'ERR_DPOP_IAT_INVALID'
  | 'ERR_DPOP_ATH_MISMATCH'
  | 'ERR_DPOP_NONCE_INVALID'
  | 'ERR_DPOP_KEY_MISMATCH'
  | 'ERR_DPOP_REPLAYED';

/** Codes of the `keys` part. */
export type KeyErrorCode =
  'ERR_KEY_INVALID' | 'ERR_KEY_TOO_WEAK' | 'ERR_KEY_ALG_MISMATCH' | 'ERR_JWKS_INVALID';

/**
 * Codes of the `store` part: `ERR_STORE_CONFLICT` (the row already exists) and
 * `ERR_STORE_UNAVAILABLE` (the database cannot be reached or is busy; retrying may help).
 */
export type StoreErrorCode = 'ERR_STORE_CONFLICT' | 'ERR_STORE_UNAVAILABLE';

/**
 * Codes of the `sessions` part: `ERR_THROTTLE_UNAVAILABLE` (the shared store of login
 * counters cannot be reached, so no attempt is counted or allowed; retrying may help).
 */
export type SessionErrorCode = 'ERR_THROTTLE_UNAVAILABLE';

/**
 * Codes of the DPoP replay cache: `ERR_DPOP_REPLAY_CACHE_UNAVAILABLE` (the cache cannot say
 * whether a proof is new: Redis is down, or the in-memory cache is full), so no proof is
 * accepted until it can.
 */
export type ReplayCacheErrorCode = 'ERR_DPOP_REPLAY_CACHE_UNAVAILABLE';

/**
 * Codes of the `verifier` part. Stable: never renamed, never reused.
 * - `ERR_VERIFIER_OPTIONS_INVALID`: `createVerifier` was given missing or unsafe options;
 * - `ERR_REVOCATIONS_STALE`: a token passed every check, but the denylist could not be
 *   confirmed current within `maxStalenessSeconds`, so it is refused (fail closed);
 * - `ERR_REVOCATIONS_UNAVAILABLE`: the revocation feed, log or stream could not be read
 *   (reported to `onError`; following goes on);
 * - `ERR_JWKS_UNAVAILABLE`: the JWKS could not be fetched: network, status, timeout or size
 *   (reported to `onError`; the keys already known stay in use).
 */
export type VerifierErrorCode =
  | 'ERR_VERIFIER_OPTIONS_INVALID'
  | 'ERR_REVOCATIONS_STALE'
  | 'ERR_REVOCATIONS_UNAVAILABLE'
  | 'ERR_JWKS_UNAVAILABLE';

/** Every code a Tessera error can carry; `switch (err.code)` narrows on it. */
export type TesseraErrorCode =
  | TokenErrorCode
  | KeyErrorCode
  | StoreErrorCode
  | SessionErrorCode
  | ReplayCacheErrorCode
  | VerifierErrorCode;

/** Base class of every error Tessera throws for bad input. */
export class TesseraError extends Error {
  override name = 'TesseraError';
  readonly code: TesseraErrorCode;

  constructor(code: TesseraErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A token was rejected: malformed, wrongly signed, or its claims failed validation. */
export class TokenError extends TesseraError {
  override name = 'TokenError';
  declare readonly code: TokenErrorCode;
  /** The claim or header parameter at fault, when one is. */
  readonly claim: string | undefined;

  constructor(code: TokenErrorCode, message: string, claim?: string, options?: ErrorOptions) {
    super(code, message, options);
    this.claim = claim;
  }
}

/** A key or key set could not be used: wrong type for its algorithm, too weak, malformed. */
export class KeyError extends TesseraError {
  override name = 'KeyError';
  declare readonly code: KeyErrorCode;

  // Narrows the accepted codes to this family's.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: KeyErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** True when `value` is a Tessera error (from this or another copy of the package). */
export function isTesseraError(value: unknown): value is TesseraError {
  return value instanceof TesseraError;
}
