import type { AuditRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../token/clock.js';
import { revocationHorizonMs, type AuthPolicy } from './auth-policy.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword, type PasswordProblem } from './password-policy.js';

/** A password change asked for from one live session. */
export interface PasswordChange {
  readonly userId: string;
  /** The session the change comes from: it stays; every other session of the user ends. */
  readonly sessionId: string;
  readonly currentPassword: string;
  readonly newPassword: string;
}

/** What a password change came to; every failure is safe to show the person. */
export type PasswordChangeResult =
  | { readonly ok: true; readonly endedSessions: number }
  | { readonly ok: false; readonly reason: 'wrong_password' | 'unknown_user' }
  | { readonly ok: false; readonly reason: 'throttled'; readonly retryAfterSeconds: number }
  | { readonly ok: false; readonly reason: 'policy'; readonly problem: PasswordProblem };

/** What {@link changePassword} needs of the session service. */
export interface PasswordChangeDependencies {
  readonly store: Store;
  readonly passwords: PasswordHasher;
  readonly throttle: LoginThrottle;
  readonly policy: AuthPolicy;
  readonly clock: Clock;
  readonly afterRevocation: () => Promise<void>;
}

/**
 * Check the current password (throttled like a login: a stolen session must not become an
 * oracle for guessing the password), check the new one against the policy, store its hash and
 * end every other session of the user in the same transaction, logging a `sid` revocation for
 * each, so a thief's session dies with the old password while this device stays logged in.
 *
 * @example
 * const result = await changePassword(deps, { userId, sessionId, currentPassword, newPassword }, ctx);
 */
export async function changePassword(
  deps: PasswordChangeDependencies,
  input: PasswordChange,
  context: { readonly ip: string | null },
): Promise<PasswordChangeResult> {
  const { store, passwords, throttle, clock, policy } = deps;
  const user = await store.findUserById(input.userId);
  if (user === null || user.disabled) return { ok: false, reason: 'unknown_user' };
  const attempt = { username: user.username, ip: context.ip ?? 'unknown' };
  const verdict = await throttle.check(attempt);
  if (!verdict.allowed)
    return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
  if (!(await passwords.verify(user.passwordHash, input.currentPassword))) {
    await throttle.recordFailure(attempt);
    return { ok: false, reason: 'wrong_password' };
  }
  // As after a login: the person has shown the password, so earlier slips stop counting.
  await throttle.recordSuccess(attempt);
  const problem = checkPassword(input.newPassword, { username: user.username });
  if (problem !== null) return { ok: false, reason: 'policy', problem };
  const passwordHash = await passwords.hash(input.newPassword);
  const now = clock.now();
  let ended = 0;
  const audit: AuditRecord = {
    at: now,
    type: 'user.password_changed',
    userId: user.id,
    sessionId: input.sessionId,
    clientId: null,
    ip: context.ip,
    detail: {},
  };
  const changed = await store.setUserPassword(
    user.id,
    passwordHash,
    now,
    input.sessionId,
    (session) => {
      ended += 1;
      return {
        kind: 'sid',
        value: session.id,
        at: now,
        expiresAt: now + revocationHorizonMs(policy),
      };
    },
    audit,
  );
  if (!changed) return { ok: false, reason: 'unknown_user' };
  await deps.afterRevocation();
  return { ok: true, endedSessions: ended };
}
