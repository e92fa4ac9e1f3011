import type { AuditRecord, UserRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { PasswordHasher } from './password-hasher.js';

/** What {@link upgradeHashAtLogin} needs of the session service. */
export interface HashUpgradeDependencies {
  readonly store: Store;
  readonly passwords: PasswordHasher;
}

/**
 * At a login whose password matched `user.passwordHash`: replace a hash weaker than the
 * hasher's parameters, while the password is at hand (OWASP: upgrade on login), and answer
 * the stored hash the password is now known to match, for the new session to be held to.
 * Null when the stored hash changed meanwhile to one the password does not match (the
 * password was changed during this login): no session then.
 *
 * A failure to make or store the new hash does not refuse the login: the checked hash is
 * answered and the next login tries again. When another login upgraded the hash first, the
 * password is checked against that one, so two logins at once both succeed.
 *
 * @example
 * const checked = await upgradeHashAtLogin({ store, passwords }, user, password, audit);
 * if (checked === null) return refuse();
 */
export async function upgradeHashAtLogin(
  deps: HashUpgradeDependencies,
  user: UserRecord,
  password: string,
  audit: AuditRecord,
): Promise<string | null> {
  const { store, passwords } = deps;
  if (!passwords.needsRehash(user.passwordHash)) return user.passwordHash;
  try {
    const stronger = await passwords.hash(password);
    if (await store.upgradePasswordHash(user.id, user.passwordHash, stronger, audit)) {
      return stronger;
    }
  } catch {
    return user.passwordHash;
  }
  const current = await store.findUserById(user.id);
  if (current === null || current.disabled) return null;
  return (await passwords.verify(current.passwordHash, password)) ? current.passwordHash : null;
}
