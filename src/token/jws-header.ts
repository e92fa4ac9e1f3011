import { isAlgorithm, type Algorithm } from './algorithms.js';
import { TokenError } from './errors.js';

/** A JWS protected header that passed structural checks. */
export interface JwsHeader {
  readonly alg: Algorithm;
  readonly kid?: string;
  readonly typ?: string;
  readonly [parameter: string]: unknown;
}

/**
 * Header parameters that carry or point at a key. RFC 8725 §3.10: a token must
 * not choose the key that verifies it, so a token carrying one of these is refused outright
 * rather than silently ignored.
 */
const KEY_CARRYING_PARAMETERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;

/**
 * Check a decoded header object. Everything here depends on the header alone, so the result
 * can be cached per header segment; the caller's allowlist and `typ` are checked per call.
 *
 * @throws TokenError `ERR_JWS_HEADER_INVALID`, `ERR_JWS_ALG_NOT_ALLOWED`.
 */
export function checkJwsHeader(value: unknown): JwsHeader {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenError('ERR_JWS_HEADER_INVALID', 'JWS header is not a JSON object');
  }
  const header = value as Record<string, unknown>;
  const alg = header['alg'];
  if (typeof alg !== 'string') {
    throw new TokenError('ERR_JWS_HEADER_INVALID', 'JWS header has no alg', 'alg');
  }
  // `none` (any letter case) and anything else unknown is refused here (RFC 8725 §3.1).
  if (!isAlgorithm(alg)) {
    throw new TokenError('ERR_JWS_ALG_NOT_ALLOWED', 'JWS algorithm is not supported', 'alg');
  }
  const kid = header['kid'];
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0)) {
    throw new TokenError('ERR_JWS_HEADER_INVALID', 'JWS kid must be a non-empty string', 'kid');
  }
  const typ = header['typ'];
  if (typ !== undefined && typeof typ !== 'string') {
    throw new TokenError('ERR_JWS_HEADER_INVALID', 'JWS typ must be a string', 'typ');
  }
  // RFC 7515 §4.1.11: a recipient must reject `crit` naming extensions it does not
  // understand. Tessera understands none, so any `crit` is refused.
  if (header['crit'] !== undefined) {
    throw new TokenError('ERR_JWS_HEADER_INVALID', 'JWS crit extensions are not supported', 'crit');
  }
  for (const name of KEY_CARRYING_PARAMETERS) {
    if (header[name] !== undefined) {
      throw new TokenError(
        'ERR_JWS_HEADER_INVALID',
        `JWS header parameter ${name} is not accepted`,
        name,
      );
    }
  }
  // `zip` belongs to JWE (RFC 7516 §4.1.3); in a JWS it signals a confused producer.
  if (header['zip'] !== undefined) {
    throw new TokenError(
      'ERR_JWS_HEADER_INVALID',
      'JWS header parameter zip is not accepted',
      'zip',
    );
  }
  return Object.freeze(header) as JwsHeader;
}
