/** Lifetimes and windows that decide how long stolen credentials stay useful. */
export interface AuthPolicy {
  /** `iss` of every token; also the base of the metadata URLs. */
  readonly issuer: string;
  /** `aud` of tokens issued at login and refresh. */
  readonly audience: string;
  /** Client id of the server's own login (`/auth/login` without a client_id). */
  readonly firstPartyClientId: string;
  /** Access-token lifetime; default 900 s (15 min). */
  readonly accessTokenTtlSeconds: number;
  /** A session unused this long ends; default 7 days. */
  readonly sessionIdleSeconds: number;
  /** A session ends this long after login whatever happens; default 30 days. */
  readonly sessionAbsoluteSeconds: number;
  /** Window in which a concurrent repeat of a refresh gets the same successor; default 10 s. */
  readonly refreshGraceSeconds: number;
  /** Allowed clock difference between issuer and verifiers; default 30 s. */
  readonly clockToleranceSeconds: number;
}

/** Client id of the server's own login page and `/auth/login`: a public client, built in. */
export const FIRST_PARTY_CLIENT_ID = 'tessera';

/** The defaults of {@link AuthPolicy}, less the issuer and audience, which have none. */
export const DEFAULT_AUTH_POLICY = Object.freeze({
  firstPartyClientId: FIRST_PARTY_CLIENT_ID,
  accessTokenTtlSeconds: 900,
  sessionIdleSeconds: 7 * 24 * 3600,
  sessionAbsoluteSeconds: 30 * 24 * 3600,
  refreshGraceSeconds: 10,
  clockToleranceSeconds: 30,
});

/**
 * How long after a revocation a token it matches could still be accepted somewhere: the
 * longest access-token lifetime plus clock tolerance. Past that, the entry can be dropped.
 */
export function revocationHorizonMs(policy: AuthPolicy): number {
  return (policy.accessTokenTtlSeconds + policy.clockToleranceSeconds) * 1000;
}
