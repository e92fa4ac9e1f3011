// Public API of the verifier part: `createVerifier` for APIs in other processes than the
// auth server, and the pieces it is built from for those who assemble their own.
export {
  createVerifier,
  type VerificationFailure,
  type VerificationFailureCode,
  type VerificationResult,
  type VerificationSuccess,
  type Verifier,
  type VerifierStatus,
  type VerifyOptions,
} from './create-verifier.js';
export { HttpRevocationLog, type HttpRevocationLogOptions } from './http-revocation-log.js';
export { RemoteJwks, type RemoteJwksOptions } from './remote-jwks.js';
export { RevocationFeed, type RevocationFeedOptions } from './revocation-feed.js';
export { isVerifierError, VerifierError, type VerifierErrorCode } from './verifier-error.js';
export type {
  DecryptionOption,
  PasetoOption,
  RevocationsOption,
  TokenFormat,
  VerifierOptions,
} from './verifier-options.js';
export type { VerifiedFormat } from '../token/multi-format-verifier.js';
export {
  assertFirstUse,
  ReplayCacheUnavailableError,
  type DpopReplayCache,
} from './dpop/dpop-replay-cache.js';
export { DpopNonces, type DpopNoncesOptions } from './dpop/dpop-nonces.js';
export {
  MemoryDpopReplayCache,
  type MemoryDpopReplayCacheOptions,
} from './dpop/memory-dpop-replay-cache.js';
export {
  RedisDpopReplayCache,
  type RedisDpopReplayCacheOptions,
} from './dpop/redis-dpop-replay-cache.js';
export {
  checkCsrfToken,
  checkRequestOrigin,
  createRequestAuthenticator,
  fingerprintMatches,
  hasScopes,
  isCookieRefusal,
  isStateChanging,
  isStateChangingRequest,
  METHOD_OVERRIDE_HEADERS,
  readTesseraCookies,
  type AuthenticateOptions,
  type AuthenticationFailure,
  type AuthenticationRequest,
  type AuthenticationResult,
  type AuthenticationSuccess,
  type CookieRefusal,
  type CookieSessionOptions,
  type CsrfHeaders,
  type RequestAuthenticator,
  type RequestAuthenticatorOptions,
  type RequestIdentity,
  type TesseraCookieValues,
  TESSERA_COOKIE_PREFIX,
  TESSERA_COOKIES,
} from './http/index.js';
