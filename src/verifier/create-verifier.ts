import { importJwks } from '../keys/import-jwks.js';
import { Denylist } from '../revocation/denylist.js';
import { RevocationFreshness, type FreshnessStatus } from '../revocation/revocation-freshness.js';
import { systemClock } from '../token/clock.js';
import { isTesseraError, TokenError, type TokenErrorCode } from '../token/errors.js';
import type { JwsHeader } from '../token/jws-header.js';
import type { JwtClaims } from '../token/jwt-claims.js';
import type { KeySetSource } from '../token/key-set.js';
import { JwtVerifier } from '../token/verify-jwt.js';
import { KeySet } from '../token/key-set.js';
import {
  createMultiFormatVerifier,
  type MultiFormatVerifier,
  type VerifiedFormat,
  type VerifiedToken,
} from '../token/multi-format-verifier.js';
import type { VerifiedJwt } from '../token/verified-jwt.js';
import { HttpRevocationLog } from './http-revocation-log.js';
import { RedisRevocations, REDIS_LOG_SOURCE, REDIS_SOURCE } from './redis-revocations.js';
import { RemoteJwks } from './remote-jwks.js';
import { FEED_SOURCE, LOG_SOURCE, RevocationFeed } from './revocation-feed.js';
import { VerifierError } from './verifier-error.js';
import { resolveVerifierOptions, type VerifierOptions } from './verifier-options.js';

/** A token that passed every check. */
export interface VerificationSuccess {
  readonly ok: true;
  /**
   * `jwt`, `jwt-encrypted` (nested JWT in JWE), `paseto-v4-public` or `paseto-v4-local`.
   */
  readonly format: VerifiedFormat;
  readonly claims: JwtClaims;
  /** The JWS header (the inner one of a nested JWT); null for PASETO, which has none. */
  readonly header: JwsHeader | null;
  /** The id of the key that verified the signature. */
  readonly kid: string;
  /**
   * True only with `failOpenWhenStale`, when the token was accepted although revocations
   * could not be confirmed current: it may have been revoked.
   */
  readonly stale: boolean;
}

/** Why a token was refused. */
export type VerificationFailureCode = TokenErrorCode | 'ERR_REVOCATIONS_STALE' | 'ERR_TOKEN_BOUND';

/** Options of one {@link Verifier.verify} call. */
export interface VerifyOptions {
  /**
   * Accept bound tokens: a `cnf` claim (DPoP, bound to a client key) or an `fgp` claim (bound
   * to a browser's fingerprint cookie, the OWASP token sidecar). Only for a caller that then
   * checks the binding, as `createRequestAuthenticator` and the middleware do. Without it such
   * a token fails with `ERR_TOKEN_BOUND`, so a stolen bound token cannot pass as a plain
   * bearer token.
   */
  readonly allowBound?: boolean;
}

/** A refused token: a stable code, and a reason for logs (never the token itself). */
export interface VerificationFailure {
  readonly ok: false;
  readonly code: VerificationFailureCode;
  readonly reason: string;
  /** The claim or header parameter at fault, when one is. */
  readonly claim: string | undefined;
}

/** What {@link Verifier.verify} returns: expected outcomes are values, not exceptions. */
export type VerificationResult = VerificationSuccess | VerificationFailure;

/** What {@link Verifier.status} reports, for health checks. */
export interface VerifierStatus {
  /** Keys are loaded and the revocation snapshot is complete. */
  readonly ready: boolean;
  readonly keyCount: number;
  /** Null when revocations are `'none'`. */
  readonly revocations: FreshnessStatus | null;
}

/** A token verifier for an API: keys and revocations followed in the background, checks in memory. */
export interface Verifier {
  /**
   * Verify a token with what is in memory: no network call, a few microseconds. A token whose
   * `kid` is not (yet) known fails with `ERR_JWS_KEY_NOT_FOUND`; {@link verifyAsync} refetches.
   */
  verify(token: string, options?: VerifyOptions): VerificationResult;
  /** As {@link verify}, but an unknown `kid` first refetches the JWKS (rate limited). */
  verifyAsync(token: string, options?: VerifyOptions): Promise<VerificationResult>;
  /** Resolves once keys are loaded and the revocation snapshot is complete. Rejects on close. */
  ready(): Promise<void>;
  status(): VerifierStatus;
  /** Stop every timer and connection; nothing of the verifier keeps the process alive after. */
  close(): Promise<void>;
}

/** How a revocation source is driven, whichever it is. */
interface RevocationSourceHandle {
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Expired denylist entries are dropped this often (they are harmless until then). */
const PRUNE_INTERVAL_MS = 60_000;
/** A page of the revocation log is at most 1000 events of about 150 bytes. */
const LOG_MAX_BYTES = 4_194_304;

/**
 * Create a verifier for an API in another process than the auth server: it fetches and caches
 * the issuer's JWKS, follows revocations (the server's SSE feed, or Redis directly), and
 * verifies each request in memory with the token core's `JwtVerifier` and `Denylist`: same
 * checks, same error codes.
 *
 * When revocations cannot be confirmed current for `maxStalenessSeconds` (30 by default), every
 * token is refused with `ERR_REVOCATIONS_STALE` (DESIGN.md invariant 3: fail closed), unless
 * `failOpenWhenStale` is set. Before {@link Verifier.ready} resolves, tokens are refused too.
 *
 * @throws VerifierError `ERR_VERIFIER_OPTIONS_INVALID` without an issuer, an audience, an
 *   algorithm allowlist, keys or a revocation source, or with an unsafe value.
 * @throws KeyError `ERR_JWKS_INVALID` for a static `jwks` that cannot be used.
 * @example
 * const verifier = createVerifier({
 *   issuer: 'https://auth.example.com',
 *   audience: 'orders',
 *   algorithms: ['EdDSA'],
 *   jwksUri: 'https://auth.example.com/.well-known/jwks.json',
 *   revocations: { feed: 'https://auth.example.com/revocations/stream' },
 * });
 * await verifier.ready();
 * const result = verifier.verify(token);
 * if (!result.ok) return reply.code(401).send({ error: 'invalid_token' });
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const resolved = resolveVerifierOptions(options);
  const onError = options.onError;
  const warn =
    options.onWarning ??
    ((message: string) => {
      process.emitWarning(message, { code: 'TESSERA_UNSAFE_OPTION' });
    });
  if (options.allowInsecureHttp === true) {
    warn(
      'createVerifier: allowInsecureHttp — keys and revocations may come over plain http from another machine, where anyone on the path can replace them (unsafe)',
    );
  }
  const clock = options.clock ?? systemClock;
  const abort = new AbortController();

  let remote: RemoteJwks | null = null;
  let keys: KeySetSource;
  if (resolved.keys === null) {
    keys = new KeySet([]);
  } else if ('jwksUri' in resolved.keys) {
    remote = new RemoteJwks({
      uri: resolved.keys.jwksUri,
      algorithms: resolved.algorithms,
      cooldownMs: resolved.jwksCooldownMs,
      timeoutMs: resolved.timeoutMs,
      maxBytes: resolved.jwksMaxBytes,
      onError,
    });
    keys = remote;
  } else {
    keys = importJwks(resolved.keys.jwks, resolved.algorithms);
  }

  const denylist = new Denylist({ clock });
  const apply = (event: Parameters<Denylist['add']>[0]): void => {
    denylist.add(event);
  };
  let jwtVerifier: JwtVerifier;
  let router: MultiFormatVerifier | null = null;
  // The same claim rules for every format.
  const claimRules = {
    ...(options.clockToleranceSeconds === undefined
      ? {}
      : { clockToleranceSeconds: options.clockToleranceSeconds }),
    ...(options.maxTokenAgeSeconds === undefined
      ? {}
      : { maxTokenAgeSeconds: options.maxTokenAgeSeconds }),
    ...(options.requiredClaims === undefined ? {} : { requiredClaims: options.requiredClaims }),
  };
  try {
    jwtVerifier = new JwtVerifier({
      keys,
      issuer: resolved.issuer,
      audience: resolved.audience,
      // Without 'jwt' among the formats the router never calls it: an empty key set and any
      // allowlist refuse everything anyway.
      algorithms: resolved.algorithms.length === 0 ? ['EdDSA'] : resolved.algorithms,
      clock,
      cache: resolved.cache,
      ...(options.typ === undefined ? {} : { typ: options.typ }),
      ...claimRules,
      ...(resolved.revocations.mode === 'none'
        ? {}
        : { isRevoked: (claims, header, kid) => denylist.isRevoked(claims, header, kid) }),
    });
    router = createMultiFormatVerifier(jwtVerifier, {
      issuer: resolved.issuer,
      audience: resolved.audience,
      formats: resolved.formats,
      requireEncryption: resolved.requireEncryption,
      cache: resolved.cache,
      ...(options.decryption === undefined ? {} : { decryption: options.decryption }),
      ...(options.paseto === undefined ? {} : { paseto: options.paseto }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...claimRules,
      ...(resolved.revocations.mode === 'none'
        ? {}
        : { isRevoked: (claims, kid) => denylist.isRevoked(claims, PASETO_HEADER, kid) }),
    });
  } catch (error) {
    // The token core's own option checks (typ, clock tolerance, …) speak TypeError.
    throw new VerifierError(
      'ERR_VERIFIER_OPTIONS_INVALID',
      error instanceof Error ? error.message : String(error),
      undefined,
      { cause: error },
    );
  }

  const revocationMode = resolved.revocations;
  let freshness: RevocationFreshness | null = null;
  let source: RevocationSourceHandle | null = null;
  if (revocationMode.mode === 'none') {
    warn(
      "createVerifier: revocations: 'none' — revoked tokens are accepted until they expire (unsafe)",
    );
  } else {
    const log = new HttpRevocationLog({
      url: revocationMode.log,
      timeoutMs: resolved.timeoutMs,
      maxBytes: LOG_MAX_BYTES,
      signal: abort.signal,
    });
    if (revocationMode.mode === 'feed') {
      freshness = new RevocationFreshness({
        maxStalenessMs: resolved.maxStalenessMs,
        sources: [FEED_SOURCE, LOG_SOURCE],
      });
      const feed = new RevocationFeed({
        url: revocationMode.feed,
        log,
        apply,
        freshness,
        maxStalenessMs: resolved.maxStalenessMs,
        connectTimeoutMs: resolved.timeoutMs,
        onError,
      });
      feed.start();
      source = feed;
    } else {
      freshness = new RevocationFreshness({
        maxStalenessMs: resolved.maxStalenessMs,
        sources: [REDIS_SOURCE, REDIS_LOG_SOURCE],
        // The stream delivers fast but cannot prove it missed nothing; the log can.
        authoritative: [REDIS_LOG_SOURCE],
      });
      const redis = new RedisRevocations({
        url: revocationMode.redis,
        prefix: revocationMode.prefix,
        log,
        apply,
        freshness,
        maxStalenessMs: resolved.maxStalenessMs,
        onError,
      });
      redis.start();
      source = redis;
    }
    if (resolved.failOpenWhenStale) {
      warn(
        'createVerifier: failOpenWhenStale — tokens are accepted even when revocations cannot be confirmed current (unsafe)',
      );
    }
  }
  const pruner = setInterval(() => denylist.prune(), PRUNE_INTERVAL_MS);
  pruner.unref();

  let isReady = false;
  const whenReady = Promise.all([remote?.load(), source?.ready()]).then(() => {
    isReady = true;
  });
  // ready() may never be called; its rejection on close must not go unhandled.
  whenReady.catch(() => undefined);

  const verify = (token: string, verifyOptions?: VerifyOptions): VerificationResult => {
    let verified;
    try {
      // Without other formats, the JWS path is exactly what it was: no routing at all.
      verified = router === null ? fromJws(jwtVerifier.verify(token)) : router.verify(token);
    } catch (error) {
      return failure(error);
    }
    return accept(verified, verifyOptions);
  };

  const verifyAnyAsync = async (
    token: string,
    verifyOptions?: VerifyOptions,
  ): Promise<VerificationResult> => {
    if (router === null) return verify(token, verifyOptions);
    let verified;
    try {
      verified = await router.verifyAsync(token);
    } catch (error) {
      return failure(error);
    }
    return accept(verified, verifyOptions);
  };

  /** What every verified token meets, whatever its format: binding, then freshness. */
  const accept = (verified: VerifiedToken, verifyOptions?: VerifyOptions): VerificationResult => {
    if (verifyOptions?.allowBound !== true) {
      const claims = verified.claims;
      const binding =
        claims['cnf'] !== undefined ? 'cnf' : claims['fgp'] !== undefined ? 'fgp' : null;
      if (binding !== null) {
        return {
          ok: false,
          code: 'ERR_TOKEN_BOUND',
          reason: `the token is bound (${binding}): check it with createRequestAuthenticator or the middleware`,
          claim: binding,
        };
      }
    }
    let stale = false;
    // Checked after the token verified: a bad token keeps its own code, and the check is one
    // clock read (RevocationFreshness.isFresh).
    if (freshness !== null && !freshness.isFresh()) {
      if (!resolved.failOpenWhenStale) {
        return {
          ok: false,
          code: 'ERR_REVOCATIONS_STALE',
          reason: freshness.status().summary,
          claim: undefined,
        };
      }
      stale = true;
    }
    return {
      ok: true,
      format: verified.format,
      claims: verified.claims,
      header: verified.header,
      kid: verified.kid,
      stale,
    };
  };

  let closed = false;
  return Object.freeze({
    verify,
    async verifyAsync(token: string, verifyOptions?: VerifyOptions): Promise<VerificationResult> {
      const result = await verifyAnyAsync(token, verifyOptions);
      if (result.ok || result.code !== 'ERR_JWS_KEY_NOT_FOUND' || remote === null) return result;
      return (await remote.refreshForUnknownKid()) ? verifyAnyAsync(token, verifyOptions) : result;
    },
    ready: () => whenReady,
    status: (): VerifierStatus => ({
      ready: isReady,
      keyCount: keys.getKeySet().size,
      revocations: freshness?.status() ?? null,
    }),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(pruner);
      abort.abort();
      remote?.close();
      await source?.close();
    },
  });
}

/** A verified JWS in the shape every format shares. */
function fromJws(verified: VerifiedJwt): VerifiedToken {
  return { format: 'jwt', claims: verified.claims, header: verified.header, kid: verified.key.kid };
}

/** PASETO has no header; the denylist reads only the `kid`, which is passed explicitly. */
const PASETO_HEADER: JwsHeader = Object.freeze({ alg: 'EdDSA' });

/** A thrown Tessera error as a result; anything else is a bug and propagates. */
function failure(error: unknown): VerificationFailure {
  if (error instanceof TokenError) {
    return { ok: false, code: error.code, reason: error.message, claim: error.claim };
  }
  if (isTesseraError(error)) {
    return { ok: false, code: 'ERR_JWS_MALFORMED', reason: error.message, claim: undefined };
  }
  throw error;
}
