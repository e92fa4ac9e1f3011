import type { VerificationFailureCode } from '../create-verifier.js';

/**
 * The `error` of an RFC 6750 §3.1 / RFC 9449 §7.1 answer, or null when the request carried no
 * credentials at all (RFC 6750 §3.1: the challenge then names no error).
 */
export type AuthErrorName =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'temporarily_unavailable'
  | 'csrf_rejected';

/**
 * Stable codes of why a request was refused, for logs and metrics (never for the client to
 * parse: it gets {@link AuthenticationFailure.body}). Token and proof problems keep the code of
 * the check that failed (`ERR_JWT_EXPIRED`, `ERR_DPOP_REPLAYED`, …); the request-level ones:
 * - `ERR_AUTH_TOKEN_MISSING`: no `Authorization` header;
 * - `ERR_AUTH_HEADER_MALFORMED`: not exactly one Bearer or DPoP credential;
 * - `ERR_AUTH_DPOP_REQUIRED`: a DPoP-bound token sent as a bearer token;
 * - `ERR_AUTH_DPOP_UNBOUND`: an unbound token sent with the DPoP scheme;
 * - `ERR_AUTH_DPOP_DISABLED`: a DPoP token where DPoP is not accepted;
 * - `ERR_AUTH_SCOPE_INSUFFICIENT`: the token lacks a required scope;
 * - `ERR_AUTH_FINGERPRINT_MISMATCH`: a token with `fgp` without its fingerprint cookie;
 * - `ERR_AUTH_COOKIE_MALFORMED`: a `Cookie` header too large, or with one of ours twice;
 * - `ERR_AUTH_CSRF_REJECTED`: a state-changing cookie request that fails the CSRF rule;
 * - `ERR_AUTH_SESSION_ENDED`: (gateway) the auth server refused to refresh the cookie session;
 * - `ERR_AUTH_SESSION_REFRESH_UNAVAILABLE`: (gateway) the auth server could not refresh it now.
 */
export type AuthFailureCode =
  | 'ERR_AUTH_TOKEN_MISSING'
  | 'ERR_AUTH_HEADER_MALFORMED'
  | 'ERR_AUTH_DPOP_REQUIRED'
  | 'ERR_AUTH_DPOP_UNBOUND'
  | 'ERR_AUTH_DPOP_DISABLED'
  | 'ERR_AUTH_SCOPE_INSUFFICIENT'
  | 'ERR_AUTH_FINGERPRINT_MISMATCH'
  | 'ERR_AUTH_COOKIE_MALFORMED'
  | 'ERR_AUTH_CSRF_REJECTED'
  | 'ERR_AUTH_SESSION_ENDED'
  | 'ERR_AUTH_SESSION_REFRESH_UNAVAILABLE'
  | VerificationFailureCode
  | 'ERR_DPOP_REPLAY_CACHE_UNAVAILABLE';

/**
 * The JSON body of a refusal: `{ error, error_description }`. A request without credentials
 * gets `invalid_token` here although its challenge names no error.
 */
export interface AuthFailureBody {
  readonly error: string;
  readonly error_description: string;
}

/**
 * A refused request, ready to send as it is: status, headers (`WWW-Authenticate`,
 * `Cache-Control: no-store`, and `DPoP-Nonce` or `Retry-After` when they apply) and body.
 */
export interface AuthenticationFailure {
  readonly ok: false;
  /** 400 malformed request, 401 no or bad credentials, 403 scope, 503 cannot check now. */
  readonly status: 400 | 401 | 403 | 503;
  readonly error: AuthErrorName | null;
  /** Safe for the wire. */
  readonly description: string;
  readonly code: AuthFailureCode;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: AuthFailureBody;
  /** The error behind a 503, for the operator's log; never sent. */
  readonly cause: unknown;
}

/** Build a frozen {@link AuthenticationFailure}. */
export function authFailure(
  status: AuthenticationFailure['status'],
  error: AuthErrorName | null,
  code: AuthFailureCode,
  description: string,
  headers: Readonly<Record<string, string>>,
  cause?: unknown,
): AuthenticationFailure {
  return Object.freeze({
    ok: false,
    status,
    error,
    description,
    code,
    headers: Object.freeze({ 'cache-control': 'no-store', ...headers }),
    body: Object.freeze({ error: error ?? 'invalid_token', error_description: description }),
    cause,
  });
}
