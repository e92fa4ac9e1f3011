import { isAlgorithm, type Algorithm } from './algorithms.js';
import { decodeBase64Url, hasCanonicalTail } from './base64url.js';
import { systemClock, type Clock } from './clock.js';
import { TokenError } from './errors.js';
import { cacheHeader, getCachedHeader } from './internal/header-cache.js';
import { VerifiedTokenCache } from './internal/verified-token-cache.js';
import { checkJwsHeader, type JwsHeader } from './jws-header.js';
import type { JwtClaims } from './jwt-claims.js';
import type { KeySet, KeySetSource } from './key-set.js';
import { checkTimes, validateClaims, type ClaimRules } from './validate-claims.js';
import type { VerificationKey } from './verification-key.js';
import type { VerifiedJwt } from './verified-jwt.js';

/** Options of {@link JwtVerifier}. `keys`, `issuer`, `audience` and `algorithms` have no defaults. */
export interface JwtVerifierOptions {
  /** Where the verification keys come from; asked on every call, so rotation takes effect at once. */
  readonly keys: KeySetSource;
  /** Exact expected `iss`. */
  readonly issuer: string;
  /** `aud` must contain this audience (or one of these). */
  readonly audience: string | readonly string[];
  /** Allowlist of `alg` values. A token must also match the algorithm of its key. */
  readonly algorithms: readonly Algorithm[];
  /**
   * Expected header `typ` (RFC 8725 §3.11); default `at+jwt` (RFC 9068 access tokens).
   * `false` skips the check and should only be used for tokens that are not access tokens.
   */
  readonly typ?: string | false;
  /** Allowed clock difference with the issuer, in seconds; default 30, at most 300. */
  readonly clockToleranceSeconds?: number;
  /** Refuse tokens whose `iat` is older than this (and require `iat`). Off by default. */
  readonly maxTokenAgeSeconds?: number;
  /** Tokens longer than this are refused before any decoding; default 8192, at most 65536. */
  readonly maxTokenBytes?: number;
  /** Claims that must be present besides `iss`, `aud` and `exp` (which always are). */
  readonly requiredClaims?: readonly string[];
  /** Time source; default the system clock. */
  readonly clock?: Clock;
  /**
   * Keep verified tokens in a bounded cache keyed by the whole token. Hits still check
   * `exp`, `nbf`, the maximum age, the key set and `isRevoked`; failures are never cached.
   */
  readonly cache?: { readonly maxEntries: number } | false;
  /**
   * Called for every token that passes (cache hits included) with its claims, header and the
   * kid of the key that verified it; `true` rejects it as revoked.
   */
  readonly isRevoked?: (claims: JwtClaims, header: JwsHeader, kid: string) => boolean;
}

/** Three segments of the base64url alphabet, nothing else (no padding, no whitespace). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const DEFAULT_TYP = 'at+jwt';
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
const MAX_CLOCK_TOLERANCE_SECONDS = 300;
const DEFAULT_MAX_TOKEN_BYTES = 8192;
const MAX_MAX_TOKEN_BYTES = 65536;

/** Where the pieces of a compact JWS are, once its shape is known to be right. */
interface Prepared {
  readonly token: string;
  readonly header: JwsHeader;
  readonly key: VerificationKey;
  readonly keySet: KeySet;
  readonly signingInputEnd: number;
  readonly signature: Buffer;
}

/**
 * A strict JWT verifier (RFC 7519, RFC 8725, RFC 9068) on `node:crypto`. Options are checked
 * once and frozen; each call does only the work the token needs.
 *
 * @example
 * const verifier = new JwtVerifier({
 *   keys: keyRing, issuer: 'https://auth.example.com', audience: 'orders', algorithms: ['EdDSA'],
 * });
 * const { claims } = verifier.verify(token);
 */
export class JwtVerifier {
  readonly #keys: KeySetSource;
  readonly #algorithms: ReadonlySet<string>;
  readonly #typ: string | false;
  readonly #rules: ClaimRules;
  readonly #maxTokenBytes: number;
  readonly #clock: Clock;
  readonly #cache: VerifiedTokenCache | undefined;
  readonly #isRevoked: ((claims: JwtClaims, header: JwsHeader, kid: string) => boolean) | undefined;

  /** @throws TypeError for a missing or unsafe option. */
  constructor(options: JwtVerifierOptions) {
    if (typeof options !== 'object' || (options as unknown) === null)
      throw new TypeError('options are required');
    if (typeof (options.keys as Partial<KeySetSource> | undefined)?.getKeySet !== 'function') {
      throw new TypeError('keys must be a KeySet or key source');
    }
    requireString(options.issuer, 'issuer');
    const audiences: unknown =
      typeof options.audience === 'string' ? [options.audience] : options.audience;
    if (!isNonEmptyStringArray(audiences)) {
      throw new TypeError('audience is required: a string or a non-empty array of strings');
    }
    if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) {
      throw new TypeError('algorithms is required: a non-empty allowlist such as ["EdDSA"]');
    }
    for (const alg of options.algorithms) {
      if (!isAlgorithm(alg))
        throw new TypeError(`unsupported algorithm in allowlist: ${String(alg)}`);
    }
    const typ = options.typ ?? DEFAULT_TYP;
    if (typ !== false) requireString(typ, 'typ');
    const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    requireRange(tolerance, 0, MAX_CLOCK_TOLERANCE_SECONDS, 'clockToleranceSeconds');
    if (options.maxTokenAgeSeconds !== undefined) {
      requireRange(options.maxTokenAgeSeconds, 1, Number.MAX_SAFE_INTEGER, 'maxTokenAgeSeconds');
    }
    const maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
    requireRange(maxTokenBytes, 64, MAX_MAX_TOKEN_BYTES, 'maxTokenBytes');
    const requiredClaims = options.requiredClaims ?? [];
    for (const claim of requiredClaims) requireString(claim, 'requiredClaims entry');
    if (options.isRevoked !== undefined && typeof options.isRevoked !== 'function') {
      throw new TypeError('isRevoked must be a function');
    }
    const cache = options.cache ?? false;
    if (cache !== false) requireRange(cache.maxEntries, 1, 10_000_000, 'cache.maxEntries');

    this.#keys = options.keys;
    this.#algorithms = new Set(options.algorithms);
    this.#typ = typ === false ? false : normaliseTyp(typ);
    this.#rules = Object.freeze({
      issuer: options.issuer,
      audiences: Object.freeze([...audiences]),
      clockToleranceSeconds: tolerance,
      maxTokenAgeSeconds: options.maxTokenAgeSeconds,
      requiredClaims: Object.freeze([...requiredClaims]),
    });
    this.#maxTokenBytes = maxTokenBytes;
    this.#clock = options.clock ?? systemClock;
    this.#cache = cache === false ? undefined : new VerifiedTokenCache(cache.maxEntries);
    this.#isRevoked = options.isRevoked;
    Object.freeze(this);
  }

  /**
   * Verify `token` on the calling thread.
   *
   * @throws TokenError with one of the codes of {@link TokenErrorCode}; never anything else.
   */
  verify(token: string): VerifiedJwt {
    const hit = this.#fromCache(token);
    if (hit !== undefined) return hit;
    const prepared = this.#prepare(token);
    if (
      !prepared.key.verifySignature(token.slice(0, prepared.signingInputEnd), prepared.signature)
    ) {
      throw new TokenError('ERR_JWS_SIGNATURE_INVALID', 'JWS signature is invalid');
    }
    return this.#finish(prepared);
  }

  /**
   * Verify `token` with the signature check on libuv's thread pool, so a server under
   * concurrent load uses every core. Same checks and errors as {@link verify}.
   */
  async verifyAsync(token: string): Promise<VerifiedJwt> {
    const hit = this.#fromCache(token);
    if (hit !== undefined) return hit;
    const prepared = this.#prepare(token);
    const ok = await prepared.key.verifySignatureAsync(
      token.slice(0, prepared.signingInputEnd),
      prepared.signature,
    );
    if (!ok) throw new TokenError('ERR_JWS_SIGNATURE_INVALID', 'JWS signature is invalid');
    return this.#finish(prepared);
  }

  #fromCache(token: string): VerifiedJwt | undefined {
    const cache = this.#cache;
    if (cache === undefined || typeof token !== 'string') return undefined;
    const entry = cache.get(token);
    // A changed key set (rotation, key revocation) invalidates what the old one verified.
    if (entry === undefined || entry.keySet !== this.#keys.getKeySet()) return undefined;
    checkTimes(entry.result.claims, this.#rules, this.#clock.now() / 1000);
    this.#checkRevoked(entry.result);
    return entry.result;
  }

  #prepare(token: string): Prepared {
    if (typeof token !== 'string')
      throw new TokenError('ERR_JWS_MALFORMED', 'token must be a string');
    // Size first, before any decoding work.
    if (token.length > this.#maxTokenBytes) {
      throw new TokenError(
        'ERR_JWS_TOO_LARGE',
        `token is longer than ${this.#maxTokenBytes} bytes`,
      );
    }
    // Exactly three non-empty segments of the base64url alphabet: one linear pass (no
    // character class contains '.', so the regex cannot backtrack), then the tail rules.
    if (!COMPACT_JWS.test(token)) {
      throw new TokenError('ERR_JWS_MALFORMED', 'token must be three unpadded base64url segments');
    }
    const firstDot = token.indexOf('.');
    const secondDot = token.indexOf('.', firstDot + 1);
    if (
      !hasCanonicalTail(token, 0, firstDot) ||
      !hasCanonicalTail(token, firstDot + 1, secondDot) ||
      !hasCanonicalTail(token, secondDot + 1, token.length)
    ) {
      throw new TokenError('ERR_JWS_MALFORMED', 'token segments must be canonical base64url');
    }

    let header = getCachedHeader(token, firstDot);
    if (header === undefined) {
      const headerSegment = token.slice(0, firstDot);
      header = checkJwsHeader(parseJson(headerSegment, 'header'));
      cacheHeader(headerSegment, header);
    }
    if (!this.#algorithms.has(header.alg)) {
      throw new TokenError('ERR_JWS_ALG_NOT_ALLOWED', 'JWS algorithm is not allowed', 'alg');
    }
    if (this.#typ !== false && !hasType(header.typ, this.#typ)) {
      throw new TokenError('ERR_JWT_TYPE_INVALID', 'JWT typ is not the expected type', 'typ');
    }
    const keySet = this.#keys.getKeySet();
    const key = keySet.find(header.kid);
    if (key === null)
      throw new TokenError('ERR_JWS_KEY_NOT_FOUND', 'no key matches the token', 'kid');
    // RFC 8725 §3.1: the key fixes the algorithm. An RSA public key never becomes an HMAC secret.
    if (key.alg !== header.alg) {
      throw new TokenError(
        'ERR_JWS_ALG_NOT_ALLOWED',
        'JWS algorithm does not match the key',
        'alg',
      );
    }
    return {
      token,
      header,
      key,
      keySet,
      signingInputEnd: secondDot,
      signature: decodeBase64Url(token.slice(secondDot + 1)),
    };
  }

  #finish(prepared: Prepared): VerifiedJwt {
    const { token, header, key } = prepared;
    const firstDot = token.indexOf('.');
    const payload = parseJson(token.slice(firstDot + 1, prepared.signingInputEnd), 'claims');
    const claims = validateClaims(payload, this.#rules, this.#clock.now() / 1000);
    const result: VerifiedJwt = { header, claims, key };
    this.#checkRevoked(result);
    if (this.#cache !== undefined) {
      Object.freeze(claims);
      this.#cache.set(token, Object.freeze(result), prepared.keySet);
    }
    return result;
  }

  #checkRevoked(result: VerifiedJwt): void {
    if (this.#isRevoked?.(result.claims, result.header, result.key.kid) === true) {
      throw new TokenError('ERR_JWT_REVOKED', 'token has been revoked');
    }
  }
}

function parseJson(segment: string, what: string): unknown {
  try {
    return JSON.parse(decodeBase64Url(segment).toString('utf8')) as unknown;
  } catch {
    throw new TokenError('ERR_JWS_MALFORMED', `JWS ${what} is not valid JSON`);
  }
}

/** RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, `application/` optional. */
function normaliseTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function hasType(typ: string | undefined, expected: string): boolean {
  return typ === expected || (typ !== undefined && normaliseTyp(typ) === expected);
}

function requireString(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${name} is required: a non-empty string`);
}

function isNonEmptyStringArray(value: unknown): value is readonly string[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((entry) => typeof entry === 'string' && entry.length > 0)
  );
}

function requireRange(value: unknown, min: number, max: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new TypeError(`${name} must be a number from ${min} to ${max}`);
  }
}
