// Framework-free request authentication on a Verifier: parse `Authorization`, verify the
// token, check DPoP proofs and scopes, and answer RFC 6750 errors. Middleware for Express,
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
  type HeaderSource,
  type RequestAuthenticator,
  type RequestAuthenticatorOptions,
} from './request-authenticator.js';
export { boundKeyOf, hasScopes, identityOf, type RequestIdentity } from './request-identity.js';
export { formatChallenge, type ChallengeParameters } from './www-authenticate.js';
