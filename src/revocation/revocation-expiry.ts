import type { RevocationKind } from './revocation-event.js';

/** The token policy that bounds how long a revocation can matter. */
export interface RevocationExpiryPolicy {
  /** Longest access-token lifetime the issuer grants (`exp - iat`), in seconds. */
  readonly maxTokenLifetimeSeconds: number;
  /** Largest clock tolerance any verifier allows past `exp`, in seconds. */
  readonly clockToleranceSeconds: number;
  /**
   * For `kid` only: the longest a verifier may keep using a key set it fetched, in seconds.
   * A stolen key signs new tokens with any `iat`, so its entry must last until every verifier
   * has dropped the key, not only until the key's honest tokens expire. Omitted: the key is
   * assumed gone from every key set when it is revoked.
   */
  readonly keySetMaxAgeSeconds?: number;
}

/** Options of {@link revocationExpiry}. */
export interface RevocationExpiryOptions {
  /**
   * For `jti` only: the revoked token's own `exp` (seconds). The entry then lasts exactly as
   * long as that token could pass a verifier, however the policy is set.
   */
  readonly tokenExpSeconds?: number;
}

/**
 * When a revocation of `kind` made at `at` (ms since the epoch) can be forgotten: the time
 * after which no token it matches can still be valid, so the denylist and the log can drop it.
 * That is `at + (maxTokenLifetimeSeconds + clockToleranceSeconds) * 1000`: every matching token
 * was issued before `at` (for `sub` by definition; for `jti`, `sid` and `kid` because the
 * revoked thing existed then) and lives at most that long. Rounded up to a whole ms.
 *
 * @throws TypeError for a negative or non-finite time or policy value, or `tokenExpSeconds`
 *   given for a kind other than `jti` (one token's `exp` says nothing about the others).
 * @example
 * const policy = { maxTokenLifetimeSeconds: 900, clockToleranceSeconds: 30 };
 * const expiresAt = revocationExpiry('sub', Date.now(), policy);
 * const forToken = revocationExpiry('jti', Date.now(), policy, { tokenExpSeconds: claims.exp });
 */
export function revocationExpiry(
  kind: RevocationKind,
  at: number,
  policy: RevocationExpiryPolicy,
  options: RevocationExpiryOptions = {},
): number {
  requireTime(at, 'at');
  requireTime(policy.maxTokenLifetimeSeconds, 'maxTokenLifetimeSeconds');
  requireTime(policy.clockToleranceSeconds, 'clockToleranceSeconds');
  const toleranceMs = policy.clockToleranceSeconds * 1000;
  const { tokenExpSeconds } = options;
  if (tokenExpSeconds !== undefined) {
    if (kind !== 'jti') throw new TypeError('tokenExpSeconds applies to jti revocations only');
    requireTime(tokenExpSeconds, 'tokenExpSeconds');
    // A verifier accepts the token until exp + tolerance (RFC 7519 §4.1.4 plus leeway).
    return Math.ceil(tokenExpSeconds * 1000 + toleranceMs);
  }
  const lifetimeBound = at + policy.maxTokenLifetimeSeconds * 1000 + toleranceMs;
  if (kind === 'kid' && policy.keySetMaxAgeSeconds !== undefined) {
    requireTime(policy.keySetMaxAgeSeconds, 'keySetMaxAgeSeconds');
    return Math.ceil(Math.max(lifetimeBound, at + policy.keySetMaxAgeSeconds * 1000));
  }
  return Math.ceil(lifetimeBound);
}

function requireTime(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a finite number, 0 or more`);
  }
}
