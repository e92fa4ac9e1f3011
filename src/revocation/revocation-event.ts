/**
 * What can be revoked, and how each kind matches an access token:
 * - `jti`: one token, by its id;
 * - `sid`: every token of one session;
 * - `sub`: every token of one subject issued before `at`: a user ("log out everywhere") or
 *   a removed client (its `client_credentials` tokens);
 * - `kid`: every token signed by one key (a compromised key).
 */
export type RevocationKind = 'jti' | 'sid' | 'sub' | 'kid';

/** Every revocation kind, in a stable order. */
export const REVOCATION_KINDS: readonly RevocationKind[] = Object.freeze([
  'jti',
  'sid',
  'sub',
  'kid',
]);

/** A revocation as it is written to the log and carried to every verifier. */
export interface RevocationEvent {
  /** Position in the revocation log; strictly increasing. Absent until the log assigns it. */
  readonly id?: number;
  readonly kind: RevocationKind;
  /** The jti, sid, sub or kid revoked. */
  readonly value: string;
  /**
   * When the revocation took effect, in ms since the epoch; for `sub`, tokens issued before it
   * die (a removed client's reaches a little into the future, see `tessera clients remove`).
   */
  readonly at: number;
  /**
   * When no token the event could match can still be valid (ms since the epoch): after this
   * the entry can be dropped from memory and from the log.
   */
  readonly expiresAt: number;
}

/** A revocation event that the log has stored and numbered. */
export type LoggedRevocationEvent = RevocationEvent & { readonly id: number };

/** True when `value` names a revocation kind. */
export function isRevocationKind(value: unknown): value is RevocationKind {
  return value === 'jti' || value === 'sid' || value === 'sub' || value === 'kid';
}

/**
 * The `sub` revocation of "log out everywhere" at `now`. Its time is rounded down to the
 * second, because `iat` has whole seconds: rounded down, a token issued later in the same
 * second (a new login) is not caught. Tokens issued earlier in that second are caught by the
 * `sid` revocations of their sessions, which the store logs alongside.
 */
export function createSubjectRevocation(
  sub: string,
  now: number,
  expiresAt: number,
): RevocationEvent {
  return { kind: 'sub', value: sub, at: Math.floor(now / 1000) * 1000, expiresAt };
}
