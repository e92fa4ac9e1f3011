import { isAlgorithm, isSymmetricAlgorithm, type Algorithm } from '../token/algorithms.js';
import type { Clock } from '../token/clock.js';
import type { JweContentAlgorithm, JweKeyAlgorithm } from '../token/encrypted-token.js';
import type { Jwk } from '../token/jwk.js';
import { VerifierError } from './verifier-error.js';

/**
 * Where revocations come from. There is no default: a verifier that ignores revocations must
 * say so with `'none'`.
 * - `{ feed }`: the auth server's SSE feed, `<issuer>/revocations/stream`; `log` (default: the
 *   feed URL without `/stream`) is read when the feed is quiet or down;
 * - `{ redis, prefix, log }`: the deployment's Redis stream directly (`prefix` default
 *   `tessera:`), with the HTTP log `GET /revocations` (default `<issuer>/revocations`) as the
 *   start and the fallback;
 * - `'none'`: UNSAFE. Revoked tokens are accepted until they expire.
 */
export type RevocationsOption =
  | { readonly feed: string; readonly log?: string }
  | { readonly redis: string; readonly prefix?: string; readonly log?: string }
  | 'none';

/**
 * Token formats a verifier can accept. `'jwt'` is a JWS, or a nested JWT in JWE when
 * `decryption` is set; the PASETO ones need keys in `paseto`.
 */
export type TokenFormat = 'jwt' | 'paseto-v4-public' | 'paseto-v4-local';

/** The audience's JWE decryption keys and what it accepts (see `JweDecrypter`). */
export interface DecryptionOption {
  /** Private JWKs: EC/X25519 (`ECDH-ES+A256KW`) or RSA (`RSA-OAEP-256`); several need `kid`s. */
  readonly keys: readonly Jwk[];
  /** Default `['ECDH-ES+A256KW', 'RSA-OAEP-256']`; `dir` and PBES2 only when listed. */
  readonly keyAlgorithms?: readonly JweKeyAlgorithm[];
  /** Default `['A256GCM']`. */
  readonly contentAlgorithms?: readonly JweContentAlgorithm[];
  /** PBES2 `p2c` ceiling, from 1000 to 10 000 (the default). */
  readonly maxPbes2Count?: number;
}

/** PASETO v4 keys, given explicitly (there is no JWKS for PASETO). */
export interface PasetoOption {
  /** v4.public: Ed25519 public JWKs, each with a `kid`. */
  readonly publicKeys?: readonly Jwk[];
  /** v4.local: 32-byte keys (bytes or base64url), each with a `kid`. */
  readonly localKeys?: readonly { readonly kid: string; readonly key: Uint8Array | string }[];
  /** Implicit assertion the issuer used for this audience; default empty. */
  readonly implicitAssertion?: string;
}

/** Options of `createVerifier`. `issuer`, `audience`, `algorithms` and `revocations` have no defaults. */
export interface VerifierOptions {
  /** Exact expected `iss`. */
  readonly issuer: string;
  /** `aud` must contain this audience (or one of these). */
  readonly audience: string | readonly string[];
  /**
   * Allowlist of asymmetric algorithms (`['EdDSA']`); HMAC cannot come from a JWKS. Required
   * (no default) whenever `'jwt'` is among the formats, which it is by default.
   */
  readonly algorithms?: readonly Algorithm[];
  /** The issuer's JWKS URL (`<issuer>/.well-known/jwks.json`). Exactly one of `jwksUri`, `jwks`. */
  readonly jwksUri?: string;
  /** A JWKS given inline (RFC 7517 §5), never refetched. */
  readonly jwks?: unknown;
  readonly revocations: RevocationsOption;
  /** Refuse tokens when revocations were not confirmed current for this long; default 30. */
  readonly maxStalenessSeconds?: number;
  /** UNSAFE: accept tokens while revocations are stale (the result says `stale: true`). */
  readonly failOpenWhenStale?: boolean;
  /** Expected header `typ`; default `at+jwt`. Only `false` turns the check off. */
  readonly typ?: string | false;
  /** Allowed clock difference with the issuer, in seconds; default 30, at most 300. */
  readonly clockToleranceSeconds?: number;
  /** Refuse tokens whose `iat` is older than this (and require `iat`). */
  readonly maxTokenAgeSeconds?: number;
  /** Claims that must be present besides `iss`, `aud` and `exp`. */
  readonly requiredClaims?: readonly string[];
  /** Time source for token times and denylist expiry; default the system clock. */
  readonly clock?: Clock;
  /**
   * Tokens whose signature and claims verified are kept, keyed by the exact token, so a
   * client's next request with the same token skips the signature check; every hit still
   * checks expiry, `nbf`, the key set and revocations. Default `{ maxEntries: 10000 }`;
   * `false` verifies the signature of every request.
   */
  readonly cache?: { readonly maxEntries: number } | false;
  /** Least time between JWKS fetches caused by unknown `kid`s; default 30 000 ms. */
  readonly jwksCooldownMs?: number;
  /** Largest JWKS accepted; default 131 072 bytes. */
  readonly jwksMaxBytes?: number;
  /** Every HTTP request (JWKS, log page, feed connection) must answer within this; default 5000 ms. */
  readonly timeoutMs?: number;
  /** UNSAFE: allow `http:` URLs to hosts other than loopback. */
  readonly allowInsecureHttp?: boolean;
  /** A source failed (fetch, feed, Redis); the verifier keeps trying. Default: ignored. */
  readonly onError?: (error: unknown) => void;
  /** An unsafe option is in use. Default: `process.emitWarning`. */
  readonly onWarning?: (message: string) => void;
  /**
   * Formats accepted; default `['jwt']`. Without `'jwt'`, `algorithms` and the JWKS may be
   * left out. Encrypted and PASETO tokens are checked by `verifyAsync` only.
   */
  readonly formats?: readonly TokenFormat[];
  /** Accept nested JWTs in JWE (RFC 7519 §5.2) decrypted with these keys. */
  readonly decryption?: DecryptionOption;
  /** Refuse plain JWS tokens (`ERR_JWE_REQUIRED`): only encrypted ones pass. Needs `decryption`. */
  readonly requireEncryption?: boolean;
  /** Keys for the PASETO formats. */
  readonly paseto?: PasetoOption;
}

/** Where revocations come from, after validation. */
export type ResolvedRevocations =
  | { readonly mode: 'feed'; readonly feed: string; readonly log: string }
  | {
      readonly mode: 'redis';
      readonly redis: string;
      readonly prefix: string;
      readonly log: string;
    }
  | { readonly mode: 'none' };

/** {@link VerifierOptions} checked, with defaults applied, frozen. */
export interface ResolvedVerifierOptions {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly algorithms: readonly Algorithm[];
  /** Null when `'jwt'` is not among the formats. */
  readonly keys: { readonly jwksUri: string } | { readonly jwks: unknown } | null;
  readonly formats: readonly TokenFormat[];
  readonly requireEncryption: boolean;
  readonly revocations: ResolvedRevocations;
  readonly maxStalenessMs: number;
  readonly failOpenWhenStale: boolean;
  readonly cache: { readonly maxEntries: number } | false;
  readonly jwksCooldownMs: number;
  readonly jwksMaxBytes: number;
  readonly timeoutMs: number;
}

const DEFAULT_MAX_STALENESS_SECONDS = 30;
const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
const DEFAULT_JWKS_MAX_BYTES = 131_072;
const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_CACHE_ENTRIES = 10_000;

/**
 * Check `createVerifier`'s options once. Missing checks are refused, never skipped: no issuer,
 * audience, algorithm allowlist or revocation source means no verifier (the trap of gateways
 * that skip a check whose option is unset).
 *
 * @throws VerifierError `ERR_VERIFIER_OPTIONS_INVALID`, naming the option at fault.
 * @example
 * const resolved = resolveVerifierOptions({ issuer, audience: 'orders', algorithms: ['EdDSA'], jwksUri, revocations: 'none' });
 * resolved.cache; // { maxEntries: 10000 }
 */
export function resolveVerifierOptions(options: VerifierOptions): ResolvedVerifierOptions {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw invalid(
      'options',
      'createVerifier needs options: issuer, audience, algorithms, keys and revocations',
    );
  }
  const { issuer } = options;
  if (typeof issuer !== 'string' || issuer === '') {
    throw invalid(
      'issuer',
      'issuer is required: the exact "iss" your tokens carry (no default, never skipped)',
    );
  }
  const audience: unknown = options.audience;
  const audiences = typeof audience === 'string' ? [audience] : audience;
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    !audiences.every((entry) => typeof entry === 'string' && entry !== '')
  ) {
    throw invalid(
      'audience',
      'audience is required: a string or a non-empty list of strings (no default, never skipped)',
    );
  }
  const formats = resolveFormats(options);
  const jwt = formats.includes('jwt');
  const algorithms: unknown = options.algorithms ?? (jwt ? undefined : []);
  if (!Array.isArray(algorithms) || (jwt && algorithms.length === 0)) {
    throw invalid(
      'algorithms',
      'algorithms is required: a non-empty allowlist such as ["EdDSA"] (no default)',
    );
  }
  for (const alg of algorithms) {
    if (!isAlgorithm(alg)) {
      throw invalid(
        'algorithms',
        `algorithm ${JSON.stringify(alg)} is not supported ("none" never is)`,
      );
    }
    if (isSymmetricAlgorithm(alg)) {
      throw invalid(
        'algorithms',
        `${alg} needs a shared secret, which a JWKS never carries: use EdDSA, ES256, RS256 or PS256`,
      );
    }
  }
  const insecure = options.allowInsecureHttp === true;
  const hasUri = options.jwksUri !== undefined;
  const hasJwks = options.jwks !== undefined;
  if (jwt && hasUri === hasJwks) {
    throw invalid(
      'jwksUri',
      'give exactly one of jwksUri (fetched and cached) and jwks (a static key set)',
    );
  }
  const keys = !jwt
    ? null
    : hasUri
      ? { jwksUri: checkHttpUrl(options.jwksUri, 'jwksUri', insecure) }
      : { jwks: options.jwks };
  const maxStalenessSeconds = options.maxStalenessSeconds ?? DEFAULT_MAX_STALENESS_SECONDS;
  checkRange(maxStalenessSeconds, 0.05, 3600, 'maxStalenessSeconds');
  const failOpen: unknown = options.failOpenWhenStale ?? false;
  if (typeof failOpen !== 'boolean')
    throw invalid('failOpenWhenStale', 'failOpenWhenStale must be true or false');
  const jwksCooldownMs = options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS;
  checkRange(jwksCooldownMs, 0, 86_400_000, 'jwksCooldownMs');
  const jwksMaxBytes = options.jwksMaxBytes ?? DEFAULT_JWKS_MAX_BYTES;
  checkRange(jwksMaxBytes, 1024, 16_777_216, 'jwksMaxBytes');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkRange(timeoutMs, 1, 600_000, 'timeoutMs');
  const cache: unknown = options.cache ?? { maxEntries: DEFAULT_CACHE_ENTRIES };
  if (cache !== false) {
    if (typeof cache !== 'object' || cache === null)
      throw invalid('cache', 'cache must be { maxEntries } or false');
    checkRange((cache as { maxEntries?: unknown }).maxEntries, 1, 10_000_000, 'cache.maxEntries');
  }
  return Object.freeze({
    issuer,
    audience: typeof audience === 'string' ? audience : Object.freeze([...(audiences as string[])]),
    algorithms: Object.freeze([...(algorithms as Algorithm[])]),
    keys: keys === null ? null : Object.freeze(keys),
    formats,
    requireEncryption: options.requireEncryption === true,
    revocations: Object.freeze(resolveRevocations(options.revocations, issuer, insecure)),
    maxStalenessMs: maxStalenessSeconds * 1000,
    failOpenWhenStale: failOpen,
    cache:
      cache === false
        ? false
        : Object.freeze({ maxEntries: (cache as { maxEntries: number }).maxEntries }),
    jwksCooldownMs,
    jwksMaxBytes,
    timeoutMs,
  });
}

const FORMATS: readonly TokenFormat[] = ['jwt', 'paseto-v4-public', 'paseto-v4-local'];

/** The formats, checked against the keys given for them. */
function resolveFormats(options: VerifierOptions): readonly TokenFormat[] {
  const value: unknown = options.formats ?? ['jwt'];
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid('formats', `formats must be a non-empty list of ${FORMATS.join(', ')}`);
  }
  const formats: TokenFormat[] = [];
  for (const format of value as unknown[]) {
    if (
      !(FORMATS as readonly unknown[]).includes(format) ||
      formats.includes(format as TokenFormat)
    )
      throw invalid('formats', `unknown or repeated format ${JSON.stringify(format)}`);
    formats.push(format as TokenFormat);
  }
  const requireEncryption: unknown = options.requireEncryption ?? false;
  if (typeof requireEncryption !== 'boolean')
    throw invalid('requireEncryption', 'requireEncryption must be true or false');
  if (options.decryption !== undefined && !formats.includes('jwt'))
    throw invalid('decryption', "decryption is for nested JWTs: add 'jwt' to formats");
  if (requireEncryption && options.decryption === undefined)
    throw invalid('requireEncryption', 'requireEncryption needs decryption keys');
  if (requireEncryption && formats.includes('paseto-v4-public'))
    throw invalid(
      'requireEncryption',
      'requireEncryption excludes paseto-v4-public, which is not encrypted',
    );
  const paseto = formats.some((format) => format.startsWith('paseto'));
  if (paseto !== (options.paseto !== undefined))
    throw invalid('paseto', 'paseto keys are needed exactly when a PASETO format is accepted');
  return Object.freeze(formats);
}

function resolveRevocations(
  value: unknown,
  issuer: string,
  insecure: boolean,
): ResolvedRevocations {
  if (value === 'none') return { mode: 'none' };
  if (typeof value !== 'object' || value === null) {
    throw invalid(
      'revocations',
      "revocations is required: { feed: '<issuer>/revocations/stream' }, { redis: 'redis://…' }, or 'none' (unsafe: revoked tokens pass until they expire)",
    );
  }
  const { feed, redis, prefix, log } = value as Record<string, unknown>;
  if ((feed === undefined) === (redis === undefined)) {
    throw invalid('revocations', 'revocations takes exactly one of feed and redis');
  }
  const base = issuer.replace(/\/+$/, '');
  if (feed !== undefined) {
    const feedUrl = checkHttpUrl(feed, 'revocations.feed', insecure);
    const defaultLog = feedUrl.endsWith('/stream')
      ? feedUrl.slice(0, -'/stream'.length)
      : `${base}/revocations`;
    return {
      mode: 'feed',
      feed: feedUrl,
      log: log === undefined ? defaultLog : checkHttpUrl(log, 'revocations.log', insecure),
    };
  }
  if (typeof redis !== 'string' || !/^rediss?:\/\/[^/]/i.test(redis)) {
    throw invalid('revocations.redis', 'revocations.redis must be a redis:// or rediss:// URL');
  }
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw invalid('revocations.prefix', 'revocations.prefix must be a string');
  }
  return {
    mode: 'redis',
    redis,
    prefix: prefix ?? 'tessera:',
    log:
      log === undefined
        ? checkHttpUrl(`${base}/revocations`, 'revocations.log', insecure)
        : checkHttpUrl(log, 'revocations.log', insecure),
  };
}

/** https, or http to this machine; anything else only with `allowInsecureHttp`. */
function checkHttpUrl(value: unknown, name: string, insecure: boolean): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalid(name, `${name} must be an absolute http(s) URL`);
  }
  if (typeof value !== 'string' || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw invalid(name, `${name} must be an absolute http(s) URL`);
  }
  if (url.protocol === 'http:' && !insecure && !isLoopback(url.hostname)) {
    throw invalid(
      name,
      `${name} uses http: to another machine; use https, or set allowInsecureHttp (unsafe)`,
    );
  }
  return value;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

function checkRange(value: unknown, min: number, max: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(name, `${name} must be a number from ${min} to ${max}`);
  }
}

function invalid(option: string, message: string): VerifierError {
  return new VerifierError('ERR_VERIFIER_OPTIONS_INVALID', message, option);
}
