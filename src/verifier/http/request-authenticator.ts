import type { VerifiedDpopProof } from '../../token/dpop-proof.js';
import type { Verifier } from '../create-verifier.js';
import { parseAuthorization, type TokenScheme } from './authorization-header.js';
import type { AuthenticationFailure } from './authentication-failure.js';
import { checkDpopProof, type DpopChecks } from './check-dpop-proof.js';
import {
  allowedOriginSet,
  checkCsrfToken,
  checkRequestOrigin,
  isStateChangingRequest,
} from './csrf-rule.js';
import { readHeader } from './internal/read-header.js';
import { createRefusals, csrfRejected } from './internal/refusals.js';
import {
  isCookieRefusal,
  readTesseraCookies,
  type CookieRefusal,
  type TesseraCookieValues,
} from './request-cookies.js';
import { fingerprintMatches } from './token-sidecar.js';
import { hasScopes, identityOf, type RequestIdentity } from './request-identity.js';

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
  /**
   * With cookie sessions on: the access token to use in place of the request's access cookie,
   * as a gateway does right after refreshing it. Checked exactly as the cookie would be.
   */
  readonly accessCookie?: string;
}

/** A request whose token passed every check. */
export interface AuthenticationSuccess {
  readonly ok: true;
  readonly identity: RequestIdentity;
  /** The access token as presented, for an API that must pass it on. */
  readonly token: string;
  /** The DPoP proof, for a DPoP request. */
  readonly proof: VerifiedDpopProof | null;
  /** Where the token came from: the `Authorization` header, or the session's access cookie. */
  readonly credentials: 'header' | 'cookie';
}

/** What authentication gives: an identity, or a refusal ready to send. */
export type AuthenticationResult = AuthenticationSuccess | AuthenticationFailure;

/** Options of {@link createRequestAuthenticator}. */
export interface RequestAuthenticatorOptions {
  /**
   * Verifies the token: keys, claims and revocations (see `createVerifier`). With `status`, a
   * verifier still loading its keys or revocations answers 503, not 401.
   */
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
  /**
   * Accept cookie sessions (browser mode): a request without `Authorization` may bring its
   * access token in the `__Host-tessera-access` cookie, and then every state-changing request
   * must pass the CSRF rule (Fetch Metadata, `Origin` among `allowedOrigins`, and the
   * `X-CSRF-Token` header matching the token's `csh`), else 403 `csrf_rejected`. Off by default.
   */
  readonly cookies?: CookieSessionOptions | false;
}

/** How cookie sessions are accepted. */
export interface CookieSessionOptions {
  /**
   * The origins of the pages that may change state with the session cookie, as browsers send
   * them in `Origin` (`https://app.example.com`). Required: no origin is trusted by default.
   */
  readonly allowedOrigins: readonly string[];
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
  const cookieOptions = options.cookies ?? false;
  const allowedOrigins =
    cookieOptions === false ? null : allowedOriginSet(cookieOptions.allowedOrigins);
  const retryAfter = options.retryAfterSeconds ?? 5;
  if (!Number.isSafeInteger(retryAfter) || retryAfter < 1 || retryAfter > 3600) {
    throw new TypeError('retryAfterSeconds must be a whole number from 1 to 3600');
  }
  const algs = dpop === false ? undefined : dpop.proofs.algorithms.join(' ');

  const { refuse, unavailable, invalidToken, missing, insufficientScope } = createRefusals({
    realm,
    algs,
    retryAfterSeconds: retryAfter,
    isLoading: () => options.verifier.status?.().ready === false,
  });

  const requireScope = (
    success: AuthenticationSuccess,
    scopes: string | readonly string[],
  ): AuthenticationFailure | null => {
    const required = typeof scopes === 'string' ? [scopes] : scopes;
    if (hasScopes(success.identity, required)) return null;
    return insufficientScope(success.identity.scheme, required);
  };

  const authenticate = async (
    request: AuthenticationRequest,
    authOptions: AuthenticateOptions = {},
  ): Promise<AuthenticationResult> => {
    const presented = parseAuthorization(readHeader(request.headers, 'authorization'));
    // Read only when a rule needs them: most bearer requests never parse their cookies.
    let cookies: TesseraCookieValues | CookieRefusal | undefined;
    const readCookies = (): TesseraCookieValues | CookieRefusal =>
      (cookies ??= readTesseraCookies(readHeader(request.headers, 'cookie')));
    if (presented === null) {
      if (allowedOrigins !== null) {
        const jar = readCookies();
        if (isCookieRefusal(jar)) return badCookies(jar);
        const token = authOptions.accessCookie ?? jar.access;
        if (token !== undefined) {
          return authenticateCookie(request, authOptions, token, allowedOrigins, jar);
        }
      }
      return missing();
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
    // Bound tokens are accepted here only because the checks below enforce their binding.
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
    const sidecar = checkSidecar(scheme, verified.claims['fgp'], readCookies);
    if (sidecar !== null) return sidecar;
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
    return succeed({ ok: true, identity, token, proof, credentials: 'header' }, authOptions);
  };

  /** A request whose access token came in the session cookie (browser mode). */
  const authenticateCookie = async (
    request: AuthenticationRequest,
    authOptions: AuthenticateOptions,
    token: string,
    origins: ReadonlySet<string>,
    jar: TesseraCookieValues,
  ): Promise<AuthenticationResult> => {
    const stateChanging = isStateChangingRequest(request.method, request.headers);
    if (stateChanging) {
      // Checked before the token, so a forged cross-site request learns nothing of it.
      const reason = checkRequestOrigin(
        {
          secFetchSite: readHeader(request.headers, 'sec-fetch-site'),
          origin: readHeader(request.headers, 'origin'),
        },
        origins,
      );
      if (reason !== null) return csrfRejected(reason);
    }
    const verified = await options.verifier.verifyAsync(token, { allowBound: true });
    if (!verified.ok) return invalidToken('Bearer', verified);
    if (verified.claims['cnf'] !== undefined) {
      // A key-bound token needs a proof with each request, which a cookie cannot carry.
      return refuse(
        'Bearer',
        401,
        'invalid_token',
        'ERR_AUTH_DPOP_REQUIRED',
        'a token bound to a key cannot come in the session cookie',
      );
    }
    const sidecar = checkSidecar('Bearer', verified.claims['fgp'], () => jar);
    if (sidecar !== null) return sidecar;
    if (stateChanging) {
      const reason = checkCsrfToken(
        readHeader(request.headers, 'x-csrf-token'),
        verified.claims['csh'],
      );
      if (reason !== null) return csrfRejected(reason);
    }
    const identity = identityOf(verified.claims, 'Bearer', verified.stale);
    return succeed({ ok: true, identity, token, proof: null, credentials: 'cookie' }, authOptions);
  };

  /** The token sidecar (OWASP): a token with `fgp` needs the matching fingerprint cookie. */
  const checkSidecar = (
    scheme: TokenScheme,
    fgp: unknown,
    jar: () => TesseraCookieValues | CookieRefusal,
  ): AuthenticationFailure | null => {
    if (fgp === undefined) return null;
    const read = jar();
    if (isCookieRefusal(read)) return badCookies(read);
    if (fingerprintMatches(fgp, read.fingerprint)) return null;
    return refuse(
      scheme,
      401,
      'invalid_token',
      'ERR_AUTH_FINGERPRINT_MISMATCH',
      'the token is bound to a fingerprint cookie, which is missing or does not match',
    );
  };

  const badCookies = (refusal: CookieRefusal): AuthenticationFailure =>
    refuse('Bearer', 400, 'invalid_request', 'ERR_AUTH_COOKIE_MALFORMED', refusal.refused);

  const succeed = (
    fields: AuthenticationSuccess,
    authOptions: AuthenticateOptions,
  ): AuthenticationResult => {
    const success: AuthenticationSuccess = Object.freeze(fields);
    const required = authOptions.requiredScopes;
    if (required !== undefined && required.length > 0) {
      return requireScope(success, required) ?? success;
    }
    return success;
  };

  return Object.freeze({ authenticate, requireScope });
}
