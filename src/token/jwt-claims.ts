/** Registered JWT claims (RFC 7519 §4.1) and the access-token claims of RFC 9068 §2.2. */
export interface JwtClaims {
  readonly iss: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly sub?: string;
  readonly nbf?: number;
  readonly iat?: number;
  readonly jti?: string;
  readonly client_id?: string;
  readonly scope?: string;
  /** Session the token belongs to (OpenID Connect Front-Channel Logout §3). */
  readonly sid?: string;
  readonly [claim: string]: unknown;
}
