import type { JwsHeader } from './jws-header.js';
import type { JwtClaims } from './jwt-claims.js';
import type { VerificationKey } from './verification-key.js';

/** A token that passed every check of a verifier. */
export interface VerifiedJwt {
  readonly header: JwsHeader;
  readonly claims: JwtClaims;
  /** The key that verified the signature. */
  readonly key: VerificationKey;
}
