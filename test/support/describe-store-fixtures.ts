import type {
  LoggedRevocationEvent,
  RevocationEvent,
} from '../../src/revocation/revocation-event.js';
import type {
  AuditRecord,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from '../../src/store/records.js';
import type { RotateRefreshTokenInput, RotationOutcome, Store } from '../../src/store/store.js';

// Records and helpers for describeStore: fixed times, so every backend sees the same values.

export const NOW = 1_800_000_000_000;
export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
export const GRACE = 2_000;

export const audit = (type: string, extra: Partial<AuditRecord> = {}): AuditRecord => ({
  at: NOW,
  type,
  userId: null,
  sessionId: null,
  clientId: null,
  ip: null,
  detail: {},
  ...extra,
});

export const user = (id: string, extra: Partial<UserRecord> = {}): UserRecord => ({
  id,
  username: `${id}-name`,
  passwordHash: `$argon2id$${id}`,
  disabled: false,
  createdAt: NOW,
  passwordChangedAt: NOW,
  ...extra,
});

export const session = (
  id: string,
  userId = 'u1',
  extra: Partial<SessionRecord> = {},
): SessionRecord => ({
  id,
  userId,
  clientId: 'web',
  userAgent: 'Firefox',
  ip: '192.0.2.1',
  scope: 'openid',
  createdAt: NOW,
  lastUsedAt: NOW,
  idleExpiresAt: NOW + 30 * MINUTE,
  absoluteExpiresAt: NOW + 30 * DAY,
  endedAt: null,
  endReason: null,
  dpopJkt: null,
  ...extra,
});

export const token = (
  hash: string,
  sessionId: string,
  parentHash: string | null = null,
  at = NOW,
) =>
  ({
    hash,
    sessionId,
    parentHash,
    createdAt: at,
    expiresAt: at + 30 * DAY,
    spentAt: null,
    successorSealed: null,
  }) satisfies RefreshTokenRecord;

export const revocation = (
  kind: RevocationEvent['kind'],
  value: string,
  expiresAt = NOW + 15 * MINUTE,
) => ({ kind, value, at: NOW, expiresAt }) satisfies RevocationEvent;

export const key = (kid: string, createdAt = NOW): SigningKeyRecord => ({
  kid,
  alg: 'EdDSA',
  privateJwkSealed: `v1.sealed.${kid}`,
  state: 'active',
  createdAt,
  activatesAt: null,
  retiresAt: null,
});

/** Present `presented` with successor `next` (sealed as `sealed:<next>`). */
export const rotation = (
  presented: string,
  next: string,
  sessionId: string,
  extra: Partial<RotateRefreshTokenInput> = {},
): RotateRefreshTokenInput => {
  const now = extra.now ?? NOW;
  return {
    presentedHash: presented,
    successor: token(next, sessionId, presented, now),
    successorSealed: `sealed:${next}`,
    now,
    graceMs: GRACE,
    idleExpiresAt: now + 30 * MINUTE,
    reuseRevocation: (ended) => revocation('sid', ended.id),
    reuseAudit: (ended) => audit('refresh.reused', { sessionId: ended.id, userId: ended.userId }),
    ...extra,
  };
};

export const countKinds = (outcomes: RotationOutcome[]) =>
  outcomes.reduce<Record<string, number>>((counts, outcome) => {
    counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
    return counts;
  }, {});

export const conflict = { name: 'StoreError', code: 'ERR_STORE_CONFLICT' };

/** A user `userId` (created once) with session `sessionId` and its first token `hash`. */
export async function seedSession(
  store: Store,
  sessionId = 's1',
  hash = 'h0',
  userId = 'u1',
  extra: Partial<SessionRecord> = {},
): Promise<void> {
  if ((await store.findUserById(userId)) === null) {
    await store.createUser(user(userId), audit('user.created'));
  }
  await store.createSession(
    session(sessionId, userId, extra),
    token(hash, sessionId),
    audit('login'),
  );
}

/** The whole unexpired revocation log at {@link NOW}. */
export const revocationLog = (store: Store): Promise<LoggedRevocationEvent[]> =>
  store.revocationsAfter(0, 1000, NOW);

/** Types of every audit line, newest first. */
export const auditTypes = async (store: Store): Promise<string[]> =>
  (await store.listAudit(1000)).map((line) => line.type);
