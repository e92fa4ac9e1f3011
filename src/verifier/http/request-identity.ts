import type { JwtClaims } from '../../token/jwt-claims.js';
import type { TokenScheme } from './authorization-header.js';

/** Who a request is from, read from an access token that passed every check. */
export interface RequestIdentity {
  /** `sub`: the user (or, for client_credentials, the client); null when the token has none. */
  readonly sub: string | null;
  /** `scope` split on spaces (RFC 9068 §2.2.3); empty when the token has none. */
  readonly scopes: readonly string[];
  /** `sid`: the login session; null for tokens without one (client_credentials). */
  readonly sid: string | null;
  /** `client_id`: the OAuth client the token was issued to; null when absent. */
  readonly clientId: string | null;
  /** `cnf.jkt` (RFC 9449 §6.1): the DPoP key the token is bound to; null for a bearer token. */
  readonly jkt: string | null;
  /** The scheme the token came with. */
  readonly scheme: TokenScheme;
  /**
   * True only when the verifier runs with `failOpenWhenStale` and could not confirm its
   * revocations current: the token may have been revoked.
   */
  readonly stale: boolean;
  /** Every claim of the token. */
  readonly claims: JwtClaims;
}

/**
 * The `cnf.jkt` a token is bound to (RFC 9449 §6.1), or null for an unbound token.
 *
 * @example
 * boundKeyOf({ ...claims, cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } });
 */
export function boundKeyOf(claims: JwtClaims): string | null {
  const cnf = claims['cnf'];
  if (typeof cnf !== 'object' || cnf === null) return null;
  const jkt = (cnf as Record<string, unknown>)['jkt'];
  return typeof jkt === 'string' && jkt !== '' ? jkt : null;
}

/** The identity of a verified token. */
export function identityOf(
  claims: JwtClaims,
  scheme: TokenScheme,
  stale: boolean,
): RequestIdentity {
  const text = (value: unknown): string | null =>
    typeof value === 'string' && value !== '' ? value : null;
  const scope = claims.scope;
  return Object.freeze({
    sub: text(claims.sub),
    scopes: Object.freeze(
      typeof scope === 'string' ? scope.split(' ').filter((entry) => entry !== '') : [],
    ),
    sid: text(claims.sid),
    clientId: text(claims.client_id),
    jkt: boundKeyOf(claims),
    scheme,
    stale,
    claims,
  });
}

/**
 * True when `identity` holds every scope of `required` (an empty list always holds).
 *
 * @example
 * if (!hasScopes(identity, ['orders:read'])) ...
 */
export function hasScopes(identity: RequestIdentity, required: readonly string[]): boolean {
  return required.every((scope) => identity.scopes.includes(scope));
}
