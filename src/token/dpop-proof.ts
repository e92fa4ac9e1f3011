import { createHash, timingSafeEqual } from 'node:crypto';
import { getAlgorithmProfile, type Algorithm } from './algorithms.js';
import { decodeBase64Url, hasCanonicalTail } from './base64url.js';
import { systemClock, type Clock } from './clock.js';
import { KeyError, TokenError } from './errors.js';
import { computeJwkThumbprint, hasPrivateMembers, importVerificationJwk, type Jwk } from './jwk.js';

/** The algorithms a DPoP proof may use: asymmetric only (RFC 9449 §4.2), never `none` or HMAC. */
export type DpopAlgorithm = Extract<Algorithm, 'EdDSA' | 'ES256' | 'PS256' | 'RS256'>;

/** Every algorithm a DPoP proof may be signed with, in order of preference. */
export const DPOP_ALGORITHMS: readonly DpopAlgorithm[] = Object.freeze([
  'EdDSA',
  'ES256',
  'PS256',
  'RS256',
]);

/** Options of {@link DpopProofVerifier}; all have safe defaults. */
export interface DpopProofVerifierOptions {
  /** Allowlist of proof algorithms; default {@link DPOP_ALGORITHMS}. */
  readonly algorithms?: readonly DpopAlgorithm[];
  /** How long after its `iat` a proof is accepted, in seconds; default 60, 1 to 600. */
  readonly maxAgeSeconds?: number;
  /** Allowed clock difference with the client, in seconds; default 5, 0 to 300. */
  readonly clockToleranceSeconds?: number;
  /** Proofs longer than this are refused before any decoding; default 8192, 512 to 16384. */
  readonly maxProofBytes?: number;
  /** Time source; default the system clock. */
  readonly clock?: Clock;
}

/** The request a proof came with, and what the caller expects of it. */
export interface DpopProofRequest {
  /** The value of the `DPoP` header. */
  readonly proof: string;
  /** The request method, e.g. `POST`; `htm` must equal it exactly. */
  readonly method: string;
  /** The absolute URL of the request as the client addressed it; query and fragment are ignored. */
  readonly url: string;
  /** The access token presented with the proof: `ath` must be its SHA-256 (RFC 9449 §4.3). */
  readonly accessToken?: string;
  /** The `cnf.jkt` of that access token, or of a bound refresh token: the proof's key must match. */
  readonly expectedJkt?: string;
  /** When the server requires nonces: true for a `nonce` it issued and still accepts. */
  readonly isNonceValid?: (nonce: string) => boolean;
}

/** A proof that passed every check. */
export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint of the proof's key: the value of `cnf.jkt` it binds tokens to. */
  readonly jkt: string;
  readonly jti: string;
  readonly iat: number;
  readonly alg: DpopAlgorithm;
  /** The public key the proof carried. */
  readonly jwk: Jwk;
  /** The `nonce` claim, when there was one. */
  readonly nonce: string | undefined;
  /**
   * Key to record in a replay cache: the `jti` scoped to the key that signed it (so one
   * client cannot block another's `jti`), hashed to a fixed length.
   */
  readonly replayKey: string;
  /** Until when (ms since the epoch) the proof could still be accepted; a replay cache keeps it that long. */
  readonly replayExpiresAt: number;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const DEFAULT_MAX_AGE_SECONDS = 60;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
const DEFAULT_MAX_PROOF_BYTES = 8192;
/** Bounds on single claims, so an oversized value is refused rather than stored or hashed. */
const MAX_JTI_LENGTH = 256;
const MAX_NONCE_LENGTH = 512;
const MAX_HTU_LENGTH = 4096;
/**
 * Header parameters that carry or point at a key other than `jwk`: refused, so no reader of
 * the proof can be led to a different key than the one that signed it. (`kid` is ignored.)
 */
const OTHER_KEY_PARAMETERS = ['jku', 'x5u', 'x5c'] as const;
/** RFC 3986 §2.3: characters that never need percent-encoding. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * A strict, pure DPoP proof checker (RFC 9449 §4.3). It does no I/O: replay of `jti` is the
 * caller's to check with a replay cache, using {@link VerifiedDpopProof.replayKey}.
 *
 * The proof is the one JWT whose header key is legitimate: the key is what the proof
 * demonstrates possession of, and it is only ever compared to a binding (`cnf.jkt`) that the
 * issuer signed, never trusted on its own.
 *
 * @example
 * const dpop = new DpopProofVerifier({ maxAgeSeconds: 60 });
 * const { jkt } = dpop.verify({ proof: request.headers.dpop, method: 'POST', url: 'https://as.example/token' });
 */
export class DpopProofVerifier {
  readonly #algorithms: ReadonlySet<string>;
  readonly #maxAgeSeconds: number;
  readonly #toleranceSeconds: number;
  readonly #maxProofBytes: number;
  readonly #clock: Clock;

  /** @throws TypeError for an option out of range or an algorithm that is not allowed for DPoP. */
  constructor(options: DpopProofVerifierOptions = {}) {
    const algorithms: unknown = options.algorithms ?? DPOP_ALGORITHMS;
    if (!Array.isArray(algorithms) || algorithms.length === 0) {
      throw new TypeError('algorithms must be a non-empty list');
    }
    for (const alg of algorithms as unknown[]) {
      if (!(DPOP_ALGORITHMS as readonly unknown[]).includes(alg)) {
        throw new TypeError(`${String(alg)} is not an algorithm for DPoP proofs`);
      }
    }
    const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
    requireRange(maxAge, 1, 600, 'maxAgeSeconds');
    const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    requireRange(tolerance, 0, 300, 'clockToleranceSeconds');
    const maxBytes = options.maxProofBytes ?? DEFAULT_MAX_PROOF_BYTES;
    requireRange(maxBytes, 512, 16_384, 'maxProofBytes');
    this.#algorithms = new Set(algorithms as DpopAlgorithm[]);
    this.#maxAgeSeconds = maxAge;
    this.#toleranceSeconds = tolerance;
    this.#maxProofBytes = maxBytes;
    this.#clock = options.clock ?? systemClock;
    Object.freeze(this);
  }

  /** The algorithms this checker accepts (for `algs` in challenges and server metadata). */
  get algorithms(): readonly DpopAlgorithm[] {
    return DPOP_ALGORITHMS.filter((alg) => this.#algorithms.has(alg));
  }

  /**
   * Check a proof against the request it came with.
   *
   * @throws TokenError with an `ERR_DPOP_*` code; never anything else.
   */
  verify(request: DpopProofRequest): VerifiedDpopProof {
    const { proof } = request;
    if (typeof proof !== 'string') fail('ERR_DPOP_PROOF_MALFORMED', 'the DPoP proof is missing');
    if (proof.length > this.#maxProofBytes) {
      fail(
        'ERR_DPOP_PROOF_TOO_LARGE',
        `the DPoP proof is longer than ${this.#maxProofBytes} bytes`,
      );
    }
    if (!COMPACT_JWS.test(proof)) {
      fail('ERR_DPOP_PROOF_MALFORMED', 'the DPoP proof must be three base64url segments');
    }
    const firstDot = proof.indexOf('.');
    const secondDot = proof.indexOf('.', firstDot + 1);
    if (
      !hasCanonicalTail(proof, 0, firstDot) ||
      !hasCanonicalTail(proof, firstDot + 1, secondDot) ||
      !hasCanonicalTail(proof, secondDot + 1, proof.length)
    ) {
      fail('ERR_DPOP_PROOF_MALFORMED', 'the DPoP proof segments must be canonical base64url');
    }

    const header = parseObject(proof.slice(0, firstDot), 'header');
    const { alg, jwk } = this.#checkHeader(header);
    let jkt: string;
    let verifies: boolean;
    try {
      // The kid of the imported key is irrelevant here; naming it the thumbprint is free.
      jkt = computeJwkThumbprint(jwk);
      const key = importVerificationJwk({ ...jwk, kid: jkt }, alg);
      verifies = key.verifySignature(
        proof.slice(0, secondDot),
        decodeBase64Url(proof.slice(secondDot + 1)),
      );
    } catch (error) {
      if (error instanceof KeyError) {
        throw new TokenError('ERR_DPOP_JWK_INVALID', 'the DPoP jwk is not a usable key', 'jwk', {
          cause: error,
        });
      }
      throw error;
    }
    // Nothing in the claims is looked at before the signature holds.
    if (!verifies) fail('ERR_DPOP_SIGNATURE_INVALID', 'the DPoP proof signature is invalid');

    const claims = parseObject(proof.slice(firstDot + 1, secondDot), 'claims');
    const jti = requireClaim(claims, 'jti');
    if (jti.length > MAX_JTI_LENGTH)
      fail('ERR_DPOP_CLAIM_INVALID', 'the DPoP jti is too long', 'jti');
    if (requireClaim(claims, 'htm') !== request.method) {
      fail('ERR_DPOP_HTM_MISMATCH', 'the DPoP htm does not match the request method', 'htm');
    }
    this.#checkHtu(requireClaim(claims, 'htu'), request.url);
    const iat = this.#checkIat(claims['iat']);
    this.#checkAth(claims['ath'], request.accessToken);
    if (request.expectedJkt !== undefined && !equalStrings(jkt, request.expectedJkt)) {
      fail(
        'ERR_DPOP_KEY_MISMATCH',
        'the DPoP proof is signed by another key than the token is bound to',
      );
    }
    const nonce = this.#checkNonce(claims['nonce'], request.isNonceValid);
    return Object.freeze({
      jkt,
      jti,
      iat,
      alg,
      jwk,
      nonce,
      replayKey: createHash('sha256').update(`${jkt}.${jti}`).digest('base64url'),
      replayExpiresAt: Math.ceil((iat + this.#maxAgeSeconds + this.#toleranceSeconds) * 1000),
    });
  }

  #checkHeader(header: Record<string, unknown>): { alg: DpopAlgorithm; jwk: Jwk } {
    const typ = header['typ'];
    // RFC 9449 §4.3 check 4; media types compare case-insensitively (RFC 7515 §4.1.9).
    if (typeof typ !== 'string' || !/^(?:application\/)?dpop\+jwt$/i.test(typ)) {
      fail('ERR_DPOP_TYPE_INVALID', 'the DPoP proof typ must be dpop+jwt', 'typ');
    }
    const alg = header['alg'];
    if (typeof alg !== 'string' || !this.#algorithms.has(alg)) {
      fail('ERR_DPOP_ALG_NOT_ALLOWED', 'the DPoP proof algorithm is not allowed', 'alg');
    }
    // RFC 7515 §4.1.11: extensions we do not understand must be refused.
    if (header['crit'] !== undefined) {
      fail('ERR_DPOP_PROOF_MALFORMED', 'the DPoP proof has crit extensions', 'crit');
    }
    for (const name of OTHER_KEY_PARAMETERS) {
      if (header[name] !== undefined) {
        fail('ERR_DPOP_PROOF_MALFORMED', `the DPoP proof may not carry ${name}`, name);
      }
    }
    const jwk = header['jwk'];
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
      fail('ERR_DPOP_JWK_INVALID', 'the DPoP proof must carry its public key as jwk', 'jwk');
    }
    // RFC 9449 §4.2: the header key must not contain a private key. A proof that sends one
    // comes from a broken client whose key is no longer secret.
    if (hasPrivateMembers(jwk as Jwk)) {
      fail('ERR_DPOP_JWK_INVALID', 'the DPoP jwk holds private key material', 'jwk');
    }
    const profile = getAlgorithmProfile(alg as DpopAlgorithm);
    const kty = (jwk as Jwk).kty;
    if (kty !== profile.kty || (profile.crv !== undefined && (jwk as Jwk).crv !== profile.crv)) {
      fail('ERR_DPOP_JWK_INVALID', `the DPoP jwk is not a key for ${alg}`, 'jwk');
    }
    return { alg: alg as DpopAlgorithm, jwk: Object.freeze({ ...(jwk as Jwk) }) };
  }

  #checkHtu(htu: string, url: string): void {
    // The query and fragment are never compared; drop them first, so a long query string
    // (the client's to choose) cannot push the URL past the length limit.
    const withoutQuery = typeof url === 'string' ? (url.split(/[?#]/, 1)[0] ?? '') : url;
    const expected = normaliseHtu(withoutQuery);
    if (expected === null) {
      if (typeof withoutQuery === 'string' && withoutQuery.length > MAX_HTU_LENGTH) {
        fail('ERR_DPOP_HTU_MISMATCH', 'the request URL is too long for a DPoP proof', 'htu');
      }
      throw new TypeError('url must be an absolute http(s) URL');
    }
    // RFC 9449 §4.3 check 9: compared without query and fragment, after RFC 3986 §6 normalisation.
    if (normaliseHtu(htu) !== expected) {
      fail('ERR_DPOP_HTU_MISMATCH', 'the DPoP htu does not match the request URL', 'htu');
    }
  }

  #checkIat(iat: unknown): number {
    if (iat === undefined) fail('ERR_DPOP_CLAIM_MISSING', 'the DPoP proof has no iat', 'iat');
    if (typeof iat !== 'number' || !Number.isFinite(iat)) {
      fail('ERR_DPOP_CLAIM_INVALID', 'the DPoP iat must be a number', 'iat');
    }
    const now = this.#clock.now() / 1000;
    if (iat > now + this.#toleranceSeconds) {
      fail('ERR_DPOP_IAT_INVALID', 'the DPoP proof is issued in the future', 'iat');
    }
    if (iat < now - this.#maxAgeSeconds - this.#toleranceSeconds) {
      fail('ERR_DPOP_IAT_INVALID', 'the DPoP proof is too old', 'iat');
    }
    return iat;
  }

  #checkAth(ath: unknown, accessToken: string | undefined): void {
    if (accessToken === undefined) {
      // At the token endpoint there is no access token yet; an `ath` there is meaningless.
      if (ath !== undefined) fail('ERR_DPOP_CLAIM_INVALID', 'the DPoP ath is unexpected', 'ath');
      return;
    }
    if (ath === undefined) fail('ERR_DPOP_CLAIM_MISSING', 'the DPoP proof has no ath', 'ath');
    const expected = computeAccessTokenHash(accessToken);
    if (typeof ath !== 'string' || !equalStrings(ath, expected)) {
      fail('ERR_DPOP_ATH_MISMATCH', 'the DPoP ath does not match the access token', 'ath');
    }
  }

  #checkNonce(
    nonce: unknown,
    isNonceValid: ((nonce: string) => boolean) | undefined,
  ): string | undefined {
    if (nonce !== undefined && (typeof nonce !== 'string' || nonce.length > MAX_NONCE_LENGTH)) {
      fail('ERR_DPOP_CLAIM_INVALID', 'the DPoP nonce must be a short string', 'nonce');
    }
    if (isNonceValid !== undefined && (nonce === undefined || !isNonceValid(nonce))) {
      fail('ERR_DPOP_NONCE_INVALID', 'the DPoP proof needs a current server nonce', 'nonce');
    }
    return nonce;
  }
}

/**
 * The `ath` of an access token (RFC 9449 §4.2): base64url of its SHA-256.
 *
 * @example
 * const ath = computeAccessTokenHash(accessToken);
 */
export function computeAccessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * An `htu` (or request URL) in the form DPoP compares (RFC 9449 §4.3, RFC 3986 §6.2.2): scheme
 * and host lower-case, default port dropped, dot segments removed, percent-encoding in
 * upper-case hex with unreserved characters decoded, no query or fragment. Null for anything
 * that is not an absolute http(s) URL without user information.
 *
 * @example
 * normaliseHtu('HTTPS://Server.Example:443/a/../token?x=1'); // 'https://server.example/token'
 */
export function normaliseHtu(value: string): string | null {
  if (typeof value !== 'string' || value.length > MAX_HTU_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  const path = url.pathname.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
    const character = String.fromCharCode(Number.parseInt(escape.slice(1), 16));
    return UNRESERVED.test(character) ? character : escape.toUpperCase();
  });
  return `${url.protocol}//${url.host}${path}`;
}

function fail(
  code: ConstructorParameters<typeof TokenError>[0],
  message: string,
  claim?: string,
): never {
  throw new TokenError(code, message, claim);
}

function parseObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodeBase64Url(segment).toString('utf8'));
  } catch {
    fail('ERR_DPOP_PROOF_MALFORMED', `the DPoP proof ${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('ERR_DPOP_PROOF_MALFORMED', `the DPoP proof ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function requireClaim(claims: Record<string, unknown>, name: string): string {
  const value = claims[name];
  if (value === undefined) fail('ERR_DPOP_CLAIM_MISSING', `the DPoP proof has no ${name}`, name);
  if (typeof value !== 'string' || value.length === 0) {
    fail('ERR_DPOP_CLAIM_INVALID', `the DPoP ${name} must be a non-empty string`, name);
  }
  return value;
}

/** Constant-time comparison of two strings (their lengths may leak, their contents do not). */
function equalStrings(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function requireRange(value: unknown, min: number, max: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new TypeError(`${name} must be a number from ${min} to ${max}`);
  }
}
