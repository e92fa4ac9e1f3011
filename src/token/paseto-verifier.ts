import { ClaimValidationError } from 'paseto';
import { decodeBase64Url, isBase64UrlSegment } from './base64url.js';
import { systemClock, type Clock } from './clock.js';
import { TokenError } from './errors.js';
import {
  createV4LocalKey,
  decryptV4Local,
  LocalAuthenticationError,
  verifyV4Public,
  type V4LocalKey,
} from './internal/paseto-v4.js';
import type { Jwk } from './jwk.js';
import type { JwtClaims } from './jwt-claims.js';
import { fromPasetoClaims, importPasetoPublicJwk, type PasetoPurpose } from './paseto-token.js';
import { checkTimes, validateClaims, type ClaimRules } from './validate-claims.js';

/** Options of {@link PasetoVerifier}. Keys are given explicitly: PASETO has no JWKS. */
export interface PasetoVerifierOptions {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  /** Which purposes to accept; nothing else is. */
  readonly purposes: readonly PasetoPurpose[];
  /** v4.public: Ed25519 public JWKs, each with a `kid`. */
  readonly publicKeys?: readonly Jwk[];
  /** v4.local: 32-byte shared keys, each with a `kid`. */
  readonly localKeys?: readonly { readonly kid: string; readonly key: Uint8Array }[];
  /** Implicit assertion every token must have been made with; default empty. */
  readonly implicitAssertion?: string;
  /** Default 30, at most 300 (the JWT rule). */
  readonly clockToleranceSeconds?: number;
  readonly maxTokenAgeSeconds?: number;
  readonly requiredClaims?: readonly string[];
  readonly clock?: Clock;
  /** Default 8192, at most 65 536. */
  readonly maxTokenBytes?: number;
  /** Verified tokens by their exact text; hits still check times and revocation. */
  readonly cache?: { readonly maxEntries: number } | false;
  /** `true` refuses the token as revoked (`kid` is the configured id of the key that passed it). */
  readonly isRevoked?: (claims: JwtClaims, kid: string) => boolean;
}

/** A PASETO that passed every check; times are NumericDates, as in a JWT. */
export interface VerifiedPaseto {
  readonly purpose: PasetoPurpose;
  readonly claims: JwtClaims;
  /** The configured id of the key that verified or decrypted it. */
  readonly kid: string;
}

type AnyKey = { readonly kid: string } & (
  | { readonly purpose: 'v4.public'; readonly key: ReturnType<typeof importPasetoPublicJwk> }
  | { readonly purpose: 'v4.local'; readonly key: V4LocalKey }
);

const MAX_FOOTER_BYTES = 512;
const NO_PUBLIC_KEYS: readonly Jwk[] = [];
const NO_LOCAL_KEYS: NonNullable<PasetoVerifierOptions['localKeys']> = [];
const PREFIX = /^v\d+\.(?:local|public)\./;

/**
 * Verifies PASETO v4 tokens to the JWT rules: `iss`, `aud` and `exp` required, `nbf`/`iat`
 * checked with the same bounded clock tolerance, the same `ERR_JWT_*` codes for claims, and
 * revocation by `jti`/`sid`/`sub`/`kid` through `isRevoked`. The footer only picks the key
 * (`{"kid":…}`); it is authenticated by the token's MAC or signature before anything trusts it.
 *
 * @example
 * const v = new PasetoVerifier({ issuer, audience: 'orders', purposes: ['v4.public'], publicKeys: [jwk] });
 * const { claims } = await v.verifyAsync(token);
 */
export class PasetoVerifier {
  readonly #keys: readonly AnyKey[];
  readonly #purposes: ReadonlySet<string>;
  readonly #rules: ClaimRules;
  readonly #clock: Clock;
  readonly #implicitAssertion: Uint8Array;
  readonly #maxTokenBytes: number;
  readonly #cache: Map<string, VerifiedPaseto> | undefined;
  readonly #maxEntries: number;
  readonly #isRevoked: ((claims: JwtClaims, kid: string) => boolean) | undefined;

  /** @throws TypeError for a missing option, a key without kid, or a key of the wrong kind. */
  constructor(options: PasetoVerifierOptions) {
    if (typeof options !== 'object' || (options as unknown) === null)
      throw new TypeError('options are required');
    requireString(options.issuer, 'issuer');
    const audience: unknown = options.audience;
    const audiences = typeof audience === 'string' ? [audience] : audience;
    if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every(isNonEmptyString))
      throw new TypeError('audience is required: a string or a non-empty array of strings');
    const purposes: readonly string[] = options.purposes;
    if (!isNonEmptyList(purposes))
      throw new TypeError('purposes is required: v4.public, v4.local or both');
    const keys: AnyKey[] = [];
    for (const purpose of purposes) {
      if (purpose === 'v4.public') {
        for (const jwk of options.publicKeys ?? NO_PUBLIC_KEYS) {
          requireString(jwk.kid, 'a v4.public key kid');
          keys.push({ purpose, kid: jwk.kid as string, key: importPasetoPublicJwk(jwk) });
        }
      } else if (purpose === 'v4.local') {
        for (const entry of options.localKeys ?? NO_LOCAL_KEYS) {
          requireString(entry.kid, 'a v4.local key kid');
          keys.push({ purpose, kid: entry.kid, key: createV4LocalKey(entry.key) });
        }
      } else throw new TypeError(`unsupported PASETO purpose: ${purpose}`);
      if (!keys.some((key) => key.purpose === purpose))
        throw new TypeError(`${purpose} is accepted, but no key for it is given`);
    }
    // Imports are asynchronous; a failed one surfaces on use, never as an unhandled rejection.
    for (const key of keys) if (key.purpose === 'v4.public') key.key.catch(() => undefined);
    const tolerance = options.clockToleranceSeconds ?? 30;
    requireRange(tolerance, 0, 300, 'clockToleranceSeconds');
    if (options.maxTokenAgeSeconds !== undefined)
      requireRange(options.maxTokenAgeSeconds, 1, Number.MAX_SAFE_INTEGER, 'maxTokenAgeSeconds');
    const maxTokenBytes = options.maxTokenBytes ?? 8192;
    requireRange(maxTokenBytes, 64, 65_536, 'maxTokenBytes');
    const cache = options.cache ?? false;
    if (cache !== false) requireRange(cache.maxEntries, 1, 10_000_000, 'cache.maxEntries');
    const requiredClaims = options.requiredClaims ?? [];
    for (const claim of requiredClaims) requireString(claim, 'requiredClaims entry');
    this.#keys = Object.freeze(keys);
    this.#purposes = new Set(purposes);
    this.#rules = Object.freeze({
      issuer: options.issuer,
      audiences: Object.freeze([...audiences]),
      clockToleranceSeconds: tolerance,
      maxTokenAgeSeconds: options.maxTokenAgeSeconds,
      requiredClaims: Object.freeze([...requiredClaims]),
    });
    this.#clock = options.clock ?? systemClock;
    this.#implicitAssertion = Buffer.from(options.implicitAssertion ?? '', 'utf8');
    this.#maxTokenBytes = maxTokenBytes;
    this.#cache = cache === false ? undefined : new Map();
    this.#maxEntries = cache === false ? 0 : cache.maxEntries;
    this.#isRevoked = options.isRevoked;
    Object.freeze(this);
  }

  /**
   * Verify or decrypt `token`, then check its claims.
   *
   * @throws TokenError `ERR_PASETO_*` for the token, `ERR_JWT_*` for its claims; nothing else.
   */
  async verifyAsync(token: string): Promise<VerifiedPaseto> {
    if (typeof token !== 'string')
      throw new TokenError('ERR_PASETO_MALFORMED', 'token must be a string');
    if (token.length > this.#maxTokenBytes)
      throw new TokenError(
        'ERR_PASETO_TOO_LARGE',
        `token is longer than ${this.#maxTokenBytes} bytes`,
      );
    const hit = this.#cache?.get(token);
    if (hit !== undefined) {
      checkTimes(hit.claims, this.#rules, this.#clock.now() / 1000);
      this.#checkRevoked(hit);
      return hit;
    }
    const purpose = this.#purposeOf(token);
    const key = this.#findKey(token, purpose);
    const now = this.#clock.now();
    const options = {
      implicitAssertion: this.#implicitAssertion,
      now: new Date(now),
      clockTolerance: this.#rules.clockToleranceSeconds,
      // `exp` is required below, with the JWT codes.
      allowNonExpiring: true,
    };
    let raw: Record<string, unknown>;
    try {
      raw =
        key.purpose === 'v4.public'
          ? (await verifyV4Public(await key.key, token, options)).claims
          : (await decryptV4Local(key.key, token, options)).claims;
    } catch (error) {
      throw mapLibraryError(error, purpose);
    }
    const converted = fromPasetoClaims(raw);
    if (typeof converted === 'string')
      throw new TokenError('ERR_JWT_CLAIM_INVALID', `${converted} is not a date`, converted);
    const claims = validateClaims(converted, this.#rules, now / 1000);
    const result: VerifiedPaseto = Object.freeze({
      purpose,
      claims: Object.freeze(claims),
      kid: key.kid,
    });
    this.#checkRevoked(result);
    const cache = this.#cache;
    if (cache !== undefined) {
      if (cache.size >= this.#maxEntries) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) cache.delete(oldest.value);
      }
      cache.set(token, result);
    }
    return result;
  }

  #purposeOf(token: string): PasetoPurpose {
    const purpose = token.startsWith('v4.public.')
      ? 'v4.public'
      : token.startsWith('v4.local.')
        ? 'v4.local'
        : null;
    if (purpose === null) {
      if (PREFIX.test(token))
        throw new TokenError('ERR_PASETO_PURPOSE_NOT_ALLOWED', 'only PASETO v4 is accepted');
      throw new TokenError('ERR_PASETO_MALFORMED', 'token is not a PASETO');
    }
    if (!this.#purposes.has(purpose))
      throw new TokenError('ERR_PASETO_PURPOSE_NOT_ALLOWED', `${purpose} tokens are not accepted`);
    return purpose;
  }

  #findKey(token: string, purpose: PasetoPurpose): AnyKey {
    const start = purpose.length + 1;
    const dot = token.indexOf('.', start);
    const end = dot === -1 ? token.length : dot;
    // One text per token: canonical base64url only, so a changed string never passes.
    if (!isBase64UrlSegment(token, start, end))
      throw new TokenError('ERR_PASETO_MALFORMED', 'PASETO payload is not canonical base64url');
    let kid: string | undefined;
    if (dot !== -1) {
      if (!isBase64UrlSegment(token, dot + 1, token.length))
        throw new TokenError('ERR_PASETO_MALFORMED', 'PASETO footer is not canonical base64url');
      kid = readFooterKid(decodeBase64Url(token.slice(dot + 1)));
    }
    const candidates = this.#keys.filter((key) => key.purpose === purpose);
    const key =
      kid === undefined
        ? candidates.length === 1
          ? candidates[0]
          : undefined
        : candidates.find((candidate) => candidate.kid === kid);
    if (key === undefined)
      throw new TokenError('ERR_PASETO_KEY_NOT_FOUND', 'no key matches the token', 'kid');
    return key;
  }

  #checkRevoked(result: VerifiedPaseto): void {
    if (this.#isRevoked?.(result.claims, result.kid) === true)
      throw new TokenError('ERR_JWT_REVOKED', 'token has been revoked');
  }
}

/**
 * The footer, before it is authenticated, only chooses a key. PASETO's guidance for JSON
 * footers: bound the size before parsing. Anything but an object with an optional string
 * `kid` is refused.
 */
function readFooterKid(footer: Buffer): string | undefined {
  if (footer.length > MAX_FOOTER_BYTES)
    throw new TokenError('ERR_PASETO_FOOTER_INVALID', 'PASETO footer is too long');
  let value: unknown;
  try {
    value = JSON.parse(footer.toString('utf8'));
  } catch {
    throw new TokenError('ERR_PASETO_FOOTER_INVALID', 'PASETO footer is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TokenError('ERR_PASETO_FOOTER_INVALID', 'PASETO footer is not a JSON object');
  const kid = (value as Record<string, unknown>)['kid'];
  if (kid !== undefined && !isNonEmptyString(kid))
    throw new TokenError('ERR_PASETO_FOOTER_INVALID', 'PASETO footer kid must be a string', 'kid');
  return kid;
}

function mapLibraryError(error: unknown, purpose: PasetoPurpose): TokenError {
  const options = { cause: error };
  if (error instanceof ClaimValidationError) {
    const claim = error.claim;
    if (claim === 'exp' && /expired/i.test(error.message))
      return new TokenError('ERR_JWT_EXPIRED', 'token has expired', 'exp', options);
    if (claim === 'nbf' && /not active/i.test(error.message))
      return new TokenError('ERR_JWT_NOT_YET_VALID', 'token is not valid yet', 'nbf', options);
    return new TokenError(
      'ERR_JWT_CLAIM_INVALID',
      `claim ${claim ?? ''} is invalid`,
      claim,
      options,
    );
  }
  if (error instanceof Error && /^Claims /.test(error.message))
    return new TokenError(
      'ERR_PASETO_MALFORMED',
      'PASETO claims are not a JSON object',
      undefined,
      options,
    );
  if (purpose === 'v4.local' || error instanceof LocalAuthenticationError)
    return new TokenError(
      'ERR_PASETO_DECRYPTION_FAILED',
      'PASETO could not be decrypted',
      undefined,
      options,
    );
  return new TokenError(
    'ERR_PASETO_SIGNATURE_INVALID',
    'PASETO signature is invalid',
    undefined,
    options,
  );
}

/** A non-empty array, without letting `Array.isArray` widen the element type to `any`. */
function isNonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function requireString(value: unknown, name: string): void {
  if (!isNonEmptyString(value)) throw new TypeError(`${name} is required: a non-empty string`);
}

function requireRange(value: unknown, min: number, max: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new TypeError(`${name} must be a number from ${min} to ${max}`);
}
