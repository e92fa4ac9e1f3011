// Framework-free request authentication on a Verifier: parse `Authorization` (or, in browser
// mode, the session cookie), verify the token, check DPoP proofs, the token sidecar, the CSRF
// rule and scopes, and answer RFC 6750 errors. Middleware for Express,
// Fastify and Hono, and the gateway, are thin layers over this.
export {
  parseAuthorization,
  type PresentedToken,
  type TokenScheme,
} from './authorization-header.js';
export {
  authFailure,
  type AuthErrorName,
  type AuthFailureBody,
  type AuthFailureCode,
  type AuthenticationFailure,
} from './authentication-failure.js';
export {
  checkDpopProof,
  type DpopCheckFailure,
  type DpopChecks,
  type DpopCheckSuccess,
  type DpopProofInput,
} from './check-dpop-proof.js';
export {
  createRequestAuthenticator,
  type AuthenticateOptions,
  type AuthenticationRequest,
  type AuthenticationResult,
  type AuthenticationSuccess,
  type CookieSessionOptions,
  type HeaderSource,
  type RequestAuthenticator,
  type RequestAuthenticatorOptions,
} from './request-authenticator.js';
export {
  allowedOriginSet,
  checkCsrfToken,
  checkRequestOrigin,
  isStateChanging,
  isStateChangingRequest,
  METHOD_OVERRIDE_HEADERS,
  type CsrfHeaders,
} from './csrf-rule.js';
export {
  isCookieRefusal,
  MAX_COOKIE_HEADER_LENGTH,
  MAX_COOKIE_PAIRS,
  readTesseraCookies,
  type CookieRefusal,
  type TesseraCookieValues,
} from './request-cookies.js';
export {
  TESSERA_COOKIE_PREFIX,
  TESSERA_COOKIES,
  type TesseraCookieName,
} from './tessera-cookies.js';
export { fingerprintMatches, hashMatches } from './token-sidecar.js';
export { boundKeyOf, hasScopes, identityOf, type RequestIdentity } from './request-identity.js';
export { formatChallenge, type ChallengeParameters } from './www-authenticate.js';
