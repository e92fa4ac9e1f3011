import type { SigningKey } from '../keys/signing-key.js';
import type { RefreshTokenRecord, SessionRecord } from '../store/records.js';
import { signAccessToken } from '../token/access-token.js';
import type { Clock } from '../token/clock.js';
import { hashOpaqueToken } from '../token/opaque-token.js';
import type { AuthPolicy } from './auth-policy.js';
import { bindingClaims, type BrowserBindingKeys } from './browser-binding-keys.js';
import type { IssuedTokens } from './session-results.js';

/** What issuing a session's tokens needs. */
export interface SessionTokenDependencies {
  readonly signingKeys: { getSigningKey(): SigningKey };
  readonly policy: AuthPolicy;
  readonly clock: Clock;
  readonly browserKeys: BrowserBindingKeys;
}

/**
 * The answer to a login or refresh of `session`: a new access token signed by the current
 * key, bound to `dpopJkt` when the request proved a DPoP key and to the session's browser
 * binding, with `refreshToken` (already stored, hashed) beside it.
 */
export function issueSessionTokens(
  deps: SessionTokenDependencies,
  session: SessionRecord,
  refreshToken: string,
  dpopJkt: string | null,
): IssuedTokens {
  const { policy, clock, signingKeys, browserKeys } = deps;
  const extraClaims = {
    // RFC 9449 §6.1: the access token is bound to the key the request proved.
    ...(dpopJkt === null ? {} : { cnf: { jkt: dpopJkt } }),
    // Cookie mode (csh) or token sidecar (fgp): every token of the session, refreshed too.
    ...bindingClaims(browserKeys, session.id, session.browserBinding),
  };
  const accessToken = signAccessToken(
    {
      issuer: policy.issuer,
      subject: session.userId,
      audience: policy.audience,
      clientId: session.clientId,
      scope: session.scope,
      sessionId: session.id,
      ttlSeconds: policy.accessTokenTtlSeconds,
      clock,
      extraClaims,
    },
    signingKeys.getSigningKey(),
  );
  return {
    accessToken,
    tokenType: dpopJkt === null ? 'Bearer' : 'DPoP',
    expiresIn: policy.accessTokenTtlSeconds,
    refreshToken,
    sessionId: session.id,
    scope: session.scope,
    sessionExpiresAt: session.absoluteExpiresAt,
  };
}

/** The stored record of a new refresh token: its hash only, never the token. */
export function refreshTokenRecord(
  token: string,
  sessionId: string,
  parentHash: string | null,
  now: number,
  expiresAt: number,
): RefreshTokenRecord {
  return {
    hash: hashOpaqueToken(token),
    sessionId,
    parentHash,
    createdAt: now,
    expiresAt,
    spentAt: null,
    successorSealed: null,
  };
}
