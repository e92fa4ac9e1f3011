import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import type { JwtClaims } from './jwt-claims.js';
import { signJwt, type JwsSigner } from './sign-jwt.js';

/** What an access token says (RFC 9068 §2.2). */
export interface AccessTokenInput {
  readonly issuer: string;
  readonly subject: string;
  readonly audience: string | readonly string[];
  readonly clientId: string;
  /** Space-separated scopes (RFC 6749 §3.3); omitted when empty. */
  readonly scope?: string;
  /** Session the token belongs to; revoking the session revokes the token. */
  readonly sessionId?: string;
  /** Lifetime; default 900 (15 minutes). Short lifetimes limit what a stolen token is worth. */
  readonly ttlSeconds?: number;
  /** Further claims; they cannot override the registered ones above. */
  readonly extraClaims?: Readonly<Record<string, unknown>>;
  /** Time source; default the system clock. */
  readonly clock?: Clock;
  /** Token id; default 128 random bits. */
  readonly jti?: string;
}

/** Default access-token lifetime, in seconds. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 900;

/**
 * Build the claims of an RFC 9068 access token: `iss`, `sub`, `aud`, `exp`, `iat`, `jti`,
 * `client_id`, and `scope` and `sid` when given.
 *
 * @throws TypeError for a missing field or a lifetime outside 1 s to 24 h.
 */
export function createAccessTokenClaims(input: AccessTokenInput): JwtClaims {
  for (const field of ['issuer', 'subject', 'clientId'] as const) {
    if (typeof input[field] !== 'string' || input[field].length === 0) {
      throw new TypeError(`${field} is required`);
    }
  }
  const ttl = input.ttlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) {
    throw new TypeError('ttlSeconds must be a whole number from 1 to 86400');
  }
  const iat = Math.floor((input.clock ?? systemClock).now() / 1000);
  const audience = typeof input.audience === 'string' ? input.audience : [...input.audience];
  if (audience.length === 0) throw new TypeError('audience is required');
  return {
    ...input.extraClaims,
    iss: input.issuer,
    sub: input.subject,
    aud: audience,
    exp: iat + ttl,
    iat,
    jti: input.jti ?? randomBytes(16).toString('base64url'),
    client_id: input.clientId,
    ...(input.scope !== undefined && input.scope !== '' ? { scope: input.scope } : {}),
    ...(input.sessionId !== undefined ? { sid: input.sessionId } : {}),
  };
}

/**
 * Sign an RFC 9068 access token (`typ: at+jwt`).
 *
 * @example
 * const token = signAccessToken({ issuer, subject: 'u1', audience: 'api', clientId: 'web' }, ring.getSigningKey());
 */
export function signAccessToken(input: AccessTokenInput, signer: JwsSigner): string {
  return signJwt(createAccessTokenClaims(input), signer, { typ: 'at+jwt' });
}
