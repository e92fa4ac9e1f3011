import type { VerifiedDpopProof } from '../../token/dpop-proof.js';
import type { VerificationFailure, Verifier } from '../create-verifier.js';
import { parseAuthorization, type TokenScheme } from './authorization-header.js';
import { authFailure, type AuthenticationFailure } from './authentication-failure.js';
import { checkDpopProof, type DpopChecks } from './check-dpop-proof.js';
import { hasScopes, identityOf, type RequestIdentity } from './request-identity.js';
import { formatChallenge } from './www-authenticate.js';

/**
 * Request headers as Node gives them (lower-case names, a repeated header as an array), or a
 * Fetch `Headers` (anything with `get`), so every framework can pass what it has.
 */
export type HeaderSource =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { get(name: string): string | null };

/** The parts of a request authentication looks at. */
export interface AuthenticationRequest {
  readonly method: string;
  /**
   * The absolute URL as the client addressed it: behind a proxy, the public one. DPoP proofs
   * name it (`htu`), so it must never be built from a `Host` header the client chose.
   */
  readonly url: string;
  readonly headers: HeaderSource;
}

/** What {@link RequestAuthenticator.authenticate} may also require. */
export interface AuthenticateOptions {
  /** Scopes the token must all carry, else 403 `insufficient_scope`. */
  readonly requiredScopes?: readonly string[];
}

/** A request whose token passed every check. */
export interface AuthenticationSuccess {
  readonly ok: true;
  readonly identity: RequestIdentity;
  /** The access token as presented, for an API that must pass it on. */
  readonly token: string;
  /** The DPoP proof, for a DPoP request. */
  readonly proof: VerifiedDpopProof | null;
}

/** What authentication gives: an identity, or a refusal ready to send. */
export type AuthenticationResult = AuthenticationSuccess | AuthenticationFailure;

/** Options of {@link createRequestAuthenticator}. */
export interface RequestAuthenticatorOptions {
  /** Verifies the token: keys, claims and revocations (see `createVerifier`). */
  /** With `status`, a verifier still loading its keys or revocations answers 503, not 401. */
  readonly verifier: Pick<Verifier, 'verifyAsync'> & Partial<Pick<Verifier, 'status'>>;
  /**
   * DPoP proof checks (RFC 9449), or `false` to accept bearer tokens only: then a DPoP-bound
   * token is refused, since its proof cannot be checked. No default: say which.
   */
  readonly dpop: DpopChecks | false;
  /** `realm` of Bearer challenges; default `tessera`. */
  readonly realm?: string;
  /** Seconds a client is told to wait (`Retry-After`) when tokens cannot be checked; default 5. */
  readonly retryAfterSeconds?: number;
}

/** Checks the access token of HTTP requests, whatever the framework. */
export interface RequestAuthenticator {
  /**
   * Authenticate one request: `Authorization` (RFC 6750 §2.1 Bearer, RFC 9449 §7.1 DPoP), the
   * token (with the verifier), the DPoP proof when the token is bound to a key or comes with
   * the DPoP scheme, and the required scopes. Never throws for anything a client sends.
   */
  authenticate(
    request: AuthenticationRequest,
    options?: AuthenticateOptions,
  ): Promise<AuthenticationResult>;
  /**
   * The refusal when `success` lacks one of `scopes` (403 `insufficient_scope`, RFC 6750 §3.1,
   * naming the scopes needed), or null when it has them all.
   */
  requireScope(
    success: AuthenticationSuccess,
    scopes: string | readonly string[],
  ): AuthenticationFailure | null;
}

/**
 * Build a framework-free request authenticator on a {@link Verifier}: middleware and the
 * gateway hand it the method, URL and headers and send what it answers.
 *
 * @throws TypeError for options that are missing or out of range.
 * @example
 * const auth = createRequestAuthenticator({
 *   verifier,
 *   dpop: { proofs: new DpopProofVerifier(), replay: new MemoryDpopReplayCache() },
 * });
 * const result = await auth.authenticate({ method: req.method, url: publicUrl, headers: req.headers });
 * if (!result.ok) return res.writeHead(result.status, result.headers).end(JSON.stringify(result.body));
 * console.log(result.identity.sub);
 */
export function createRequestAuthenticator(
  options: RequestAuthenticatorOptions,
): RequestAuthenticator {
  const verifier = options.verifier as Partial<Verifier> | undefined;
  if (typeof verifier?.verifyAsync !== 'function') {
    throw new TypeError('verifier is required: a Verifier from createVerifier');
  }
  const dpop = options.dpop as DpopChecks | false | undefined;
  if (dpop === undefined) {
    throw new TypeError('dpop is required: DPoP checks ({ proofs, replay }), or false for none');
  }
  const realm = options.realm ?? 'tessera';
  const retryAfter = options.retryAfterSeconds ?? 5;
  if (!Number.isSafeInteger(retryAfter) || retryAfter < 1 || retryAfter > 3600) {
    throw new TypeError('retryAfterSeconds must be a whole number from 1 to 3600');
  }
  const algs = dpop === false ? undefined : dpop.proofs.algorithms.join(' ');

  const challenge = (
    scheme: TokenScheme,
    error?: string,
    description?: string,
    scope?: string,
  ): string =>
    scheme === 'Bearer'
      ? formatChallenge('Bearer', { realm, error, error_description: description, scope })
      : formatChallenge('DPoP', { algs, error, error_description: description, scope });

  const refuse = (
    scheme: TokenScheme,
    status: 400 | 401,
    error: 'invalid_request' | 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce',
    code: AuthenticationFailure['code'],
    description: string,
    extra: Record<string, string> = {},
  ): AuthenticationFailure =>
    authFailure(status, error, code, description, {
      'www-authenticate': challenge(scheme, error, description),
      ...extra,
    });

  const unavailable = (
    code: AuthenticationFailure['code'],
    description: string,
    cause: unknown,
  ): AuthenticationFailure =>
    // The server cannot check now: no challenge, which would tell the client its token is bad.
    authFailure(
      503,
      'temporarily_unavailable',
      code,
      description,
      { 'retry-after': String(retryAfter) },
      cause,
    );

  const invalidToken = (
    scheme: TokenScheme,
    failure: VerificationFailure,
  ): AuthenticationFailure => {
    // Stale revocations, or keys and revocations not loaded yet: the token may be fine.
    if (failure.code === 'ERR_REVOCATIONS_STALE' || options.verifier.status?.().ready === false) {
      return unavailable(
        failure.code,
        'tokens cannot be checked now; retry shortly',
        failure.reason,
      );
    }
    return refuse(scheme, 401, 'invalid_token', failure.code, describeTokenFailure(failure));
  };

  const requireScope = (
    success: AuthenticationSuccess,
    scopes: string | readonly string[],
  ): AuthenticationFailure | null => {
    const required = typeof scopes === 'string' ? [scopes] : scopes;
    if (hasScopes(success.identity, required)) return null;
    const description = 'the token lacks a scope this resource requires';
    const scope = required.join(' ');
    return authFailure(403, 'insufficient_scope', 'ERR_AUTH_SCOPE_INSUFFICIENT', description, {
      'www-authenticate': challenge(
        success.identity.scheme,
        'insufficient_scope',
        description,
        scope,
      ),
    });
  };

  const authenticate = async (
    request: AuthenticationRequest,
    authOptions: AuthenticateOptions = {},
  ): Promise<AuthenticationResult> => {
    const presented = parseAuthorization(readHeader(request.headers, 'authorization'));
    if (presented === null) {
      // RFC 6750 §3.1: no credentials, no error code; offer every scheme accepted here.
      const challenges = [formatChallenge('Bearer', { realm })];
      if (algs !== undefined) challenges.push(formatChallenge('DPoP', { algs }));
      return authFailure(401, null, 'ERR_AUTH_TOKEN_MISSING', 'an access token is required', {
        'www-authenticate': challenges.join(', '),
      });
    }
    if (presented === 'malformed') {
      return refuse(
        'Bearer',
        400,
        'invalid_request',
        'ERR_AUTH_HEADER_MALFORMED',
        'the Authorization header must hold one Bearer or DPoP token',
      );
    }
    const { scheme, token } = presented;
    if (scheme === 'DPoP' && dpop === false) {
      return refuse(
        'Bearer',
        401,
        'invalid_token',
        'ERR_AUTH_DPOP_DISABLED',
        'DPoP is not accepted here; send a bearer token',
      );
    }
    // Bound tokens are accepted here only because the DPoP checks below enforce their binding.
    const verified = await options.verifier.verifyAsync(token, { allowBound: true });
    if (!verified.ok) return invalidToken(scheme, verified);
    const identity = identityOf(verified.claims, scheme, verified.stale);
    if (verified.claims['cnf'] !== undefined && identity.jkt === null) {
      // Bound some other way (a certificate thumbprint, say): nothing here can check it.
      return refuse(
        'Bearer',
        401,
        'invalid_token',
        'ERR_AUTH_DPOP_REQUIRED',
        'the token is bound to a key in a way this API cannot check',
      );
    }

    let proof: VerifiedDpopProof | null = null;
    if (identity.jkt !== null) {
      if (dpop === false) {
        return refuse(
          'Bearer',
          401,
          'invalid_token',
          'ERR_AUTH_DPOP_DISABLED',
          'the token is bound to a DPoP key, and DPoP is not accepted here',
        );
      }
      if (scheme === 'Bearer') {
        // RFC 9449 §7.2: whoever sends a bound token as a bearer token has shown nothing of
        // the key; the challenge says which scheme to use.
        return refuse(
          'DPoP',
          401,
          'invalid_token',
          'ERR_AUTH_DPOP_REQUIRED',
          'the token is bound to a DPoP key; send it with the DPoP scheme and a proof',
        );
      }
      const checked = await checkDpopProof(dpop, {
        proof: readHeader(request.headers, 'dpop'),
        method: request.method,
        url: request.url,
        accessToken: token,
        expectedJkt: identity.jkt,
      });
      if (!checked.ok) {
        if (checked.error === 'temporarily_unavailable') {
          return unavailable(checked.code, checked.description, checked.cause);
        }
        return refuse(
          'DPoP',
          401,
          checked.error,
          checked.code,
          checked.description,
          checked.nonce === undefined ? {} : { 'dpop-nonce': checked.nonce },
        );
      }
      proof = checked.proof;
    } else if (scheme === 'DPoP') {
      return refuse(
        'DPoP',
        401,
        'invalid_token',
        'ERR_AUTH_DPOP_UNBOUND',
        'the token is not bound to a DPoP key; send it as a bearer token',
      );
    }
    const success: AuthenticationSuccess = Object.freeze({ ok: true, identity, token, proof });
    const required = authOptions.requiredScopes;
    if (required !== undefined && required.length > 0) {
      return requireScope(success, required) ?? success;
    }
    return success;
  };

  return Object.freeze({ authenticate, requireScope });
}

/** One header's value: a string, an array for a repeated header, or undefined. */
function readHeader(headers: HeaderSource, name: string): string | readonly string[] | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const value = (headers as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  return value;
}

/** What a client may be told of why its token was refused: enough to act on, no more. */
function describeTokenFailure(failure: VerificationFailure): string {
  switch (failure.code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_REVOKED':
      return 'the token has been revoked';
    case 'ERR_JWT_NOT_YET_VALID':
      return 'the token is not valid yet';
    default:
      return 'the token is not valid';
  }
}
