// Public API of the token part: formats and crypto only, no I/O.
export {
  ALGORITHMS,
  DEFAULT_ALGORITHM,
  getAlgorithmProfile,
  isAlgorithm,
  isSymmetricAlgorithm,
  type Algorithm,
  type AlgorithmProfile,
} from './algorithms.js';
export {
  createAccessTokenClaims,
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  signAccessToken,
  type AccessTokenInput,
} from './access-token.js';
export {
  computeAccessTokenHash,
  DPOP_ALGORITHMS,
  DpopProofVerifier,
  normaliseHtu,
  type DpopAlgorithm,
  type DpopProofRequest,
  type DpopProofVerifierOptions,
  type VerifiedDpopProof,
} from './dpop-proof.js';
export {
  DEFAULT_JWE_CONTENT_ALGORITHMS,
  DEFAULT_JWE_KEY_ALGORITHMS,
  encryptJwt,
  isJweContentAlgorithm,
  isJweKeyAlgorithm,
  JWE_CONTENT_ALGORITHMS,
  JWE_KEY_ALGORITHMS,
  type EncryptJwtOptions,
  type JweContentAlgorithm,
  type JweKeyAlgorithm,
} from './encrypted-token.js';
export {
  JweDecrypter,
  MAX_PBES2_COUNT,
  MIN_PBES2_COUNT,
  type JweDecrypterOptions,
} from './jwe-decrypter.js';
export {
  isCompactJwe,
  NestedJwtVerifier,
  type NestedJwtVerifierOptions,
} from './nested-jwt-verifier.js';
export type { VerifiedFormat } from './multi-format-verifier.js';
export { decodeBase64Url, encodeBase64Url, isBase64UrlSegment } from './base64url.js';
export { systemClock, type Clock } from './clock.js';
export {
  isTesseraError,
  KeyError,
  TesseraError,
  TokenError,
  type DpopErrorCode,
  type KeyErrorCode,
  type ReplayCacheErrorCode,
  type TesseraErrorCode,
  type TokenErrorCode,
  type TokenFormatErrorCode,
} from './errors.js';
export {
  inspectToken,
  MAX_INSPECTED_TOKEN_LENGTH,
  type Finding,
  type FindingCode,
  type FindingSeverity,
  type InspectTokenOptions,
  type TokenInspection,
  type TokenTime,
} from './inspect-token.js';
export {
  computeJwkThumbprint,
  exportPublicJwk,
  hasPrivateMembers,
  importVerificationJwk,
  resolveJwkAlgorithm,
  stripPrivateMembers,
  type Jwk,
  type Jwks,
} from './jwk.js';
export { checkJwsHeader, type JwsHeader } from './jws-header.js';
export { generateOpaqueToken, hashOpaqueToken, OPAQUE_TOKEN_BYTES } from './opaque-token.js';
export type { JwtClaims } from './jwt-claims.js';
export { KeySet, type KeySetSource } from './key-set.js';
export {
  encryptPaseto,
  importPasetoPublicJwk,
  signPaseto,
  type PasetoPurpose,
  type ProducePasetoOptions,
} from './paseto-token.js';
export {
  PasetoVerifier,
  type PasetoVerifierOptions,
  type VerifiedPaseto,
} from './paseto-verifier.js';
export { signJwt, type JwsSigner, type SignJwtOptions } from './sign-jwt.js';
export { createVerificationKey, type VerificationKey } from './verification-key.js';
export type { VerifiedJwt } from './verified-jwt.js';
export { JwtVerifier, type JwtVerifierOptions } from './verify-jwt.js';
