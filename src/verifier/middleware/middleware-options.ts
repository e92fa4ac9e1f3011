import type { Verifier } from '../create-verifier.js';
import type { DpopChecks } from '../http/check-dpop-proof.js';
import type { CookieSessionOptions, RequestAuthenticator } from '../http/request-authenticator.js';

/** What every middleware accepts besides the way tokens are checked. */
export interface MiddlewareCommonOptions {
  /**
   * The base URL clients address this API at (`https://api.example.com`, or with a path prefix
   * `https://example.com/api`); the request path the framework sees is appended to it. DPoP
   * proofs name this URL (`htu`, RFC 9449 §4.3), so set it behind a proxy or a DNS name.
   * Default: the address the connection arrived at (`http://127.0.0.1:3000`), never the
   * `Host` header, which the client chooses. On runtimes without a socket (Hono outside
   * Node), it is required for DPoP.
   */
  readonly publicUrl?: string;
  /**
   * Told of the cause of every 503 (keys, revocations or the DPoP replay cache cannot answer)
   * and of any unexpected error (answered 500). Default: ignored.
   */
  readonly onError?: (error: unknown) => void;
}

/** Check tokens with a verifier; the request authenticator is built from these. */
export interface MiddlewareVerifierOptions extends MiddlewareCommonOptions {
  /** Verifies the token: keys, claims and revocations (see `createVerifier`). */
  readonly verifier: Pick<Verifier, 'verifyAsync'>;
  /**
   * DPoP (RFC 9449): `true` for the default proof rules and an in-memory replay cache (one
   * process), `{ proofs, replay }` to choose (a `RedisDpopReplayCache` shared by every process
   * behind one URL), or `false` for bearer tokens only, which refuses DPoP-bound tokens.
   * No default: say which.
   */
  readonly dpop: DpopChecks | boolean;
  /** `realm` of Bearer challenges; default `tessera`. */
  readonly realm?: string;
  /** Seconds a client is told to wait (`Retry-After`) when tokens cannot be checked; default 5. */
  readonly retryAfterSeconds?: number;
  /**
   * Browser mode: accept the session in the `__Host-tessera-access` cookie when a request has
   * no `Authorization` header, and hold every state-changing cookie request to the CSRF rule
   * (`Sec-Fetch-Site: same-origin`, `Origin` among `allowedOrigins`, `X-CSRF-Token` matching
   * the session), else 403 `csrf_rejected`. The middleware does not refresh: an expired cookie
   * token gets 401, and the page refreshes through the auth server (or put `tessera gateway`
   * in front). Off by default.
   */
  readonly cookies?: CookieSessionOptions | false;
}

/** Check tokens with a request authenticator built elsewhere (one shared by several apps). */
export interface MiddlewareAuthenticatorOptions extends MiddlewareCommonOptions {
  readonly authenticator: RequestAuthenticator;
}

/** Options of `createExpressAuth`, `createFastifyAuth` and `createHonoAuth`. */
export type MiddlewareOptions = MiddlewareVerifierOptions | MiddlewareAuthenticatorOptions;

/** What a middleware route asks of a request. */
export interface AuthenticateRouteOptions {
  /**
   * Let requests without credentials (no `Authorization` header, and in browser mode no access
   * cookie) through, with a null identity. Credentials that are present are checked as on any
   * route: a bad token is refused, never ignored.
   */
  readonly optional?: boolean;
}
