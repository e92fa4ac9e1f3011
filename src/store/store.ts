import type { LoggedRevocationEvent, RevocationEvent } from '../revocation/revocation-event.js';
import type {
  AuditRecord,
  ClientRecord,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from './records.js';

/** What happened when a refresh token was presented for rotation. */
export type RotationOutcome =
  /** The token was live: it is now spent and `successor` is the live token. */
  | { readonly kind: 'rotated'; readonly session: SessionRecord }
  /**
   * The token was spent moments ago (within the grace window) and its successor is still
   * live: the caller hands out that same successor again (`successorSealed`).
   */
  | { readonly kind: 'grace'; readonly session: SessionRecord; readonly successorSealed: string }
  /** The token was spent earlier: reuse. The session has been ended, in the same transaction. */
  | { readonly kind: 'reused'; readonly session: SessionRecord }
  /** The session is over (ended, idle or past its absolute lifetime) or the token expired. */
  | { readonly kind: 'expired' }
  /** No such token. */
  | { readonly kind: 'unknown' };

/** Input of {@link Store.rotateRefreshToken}. */
export interface RotateRefreshTokenInput {
  readonly presentedHash: string;
  /**
   * The token to make live if the presented one is: unspent, with no `successorSealed`. Its
   * `sessionId` and `parentHash` are set by the store (the presented token's session and
   * hash), since the caller knows only the presented token.
   */
  readonly successor: RefreshTokenRecord;
  /**
   * The successor's plaintext sealed with the master key. The store keeps it on the spent
   * row for the grace window only, so a concurrent second presentation of the same token
   * gets this same successor back (`grace`) instead of forking the chain.
   */
  readonly successorSealed: string;
  readonly now: number;
  /**
   * How long after it was spent a token still gets its successor again (ms): the window is
   * `[spentAt, spentAt + graceMs)`, so 0 turns the grace window off.
   */
  readonly graceMs: number;
  /** New idle expiry of the session when rotation succeeds (capped by the absolute expiry). */
  readonly idleExpiresAt: number;
  /** The revocation to log if the presentation turns out to be reuse (a `sid` event). */
  readonly reuseRevocation: (session: SessionRecord) => RevocationEvent;
  /** Audit line for a reuse. */
  readonly reuseAudit: (session: SessionRecord) => AuditRecord;
  /**
   * When the token is rotated and its session is not bound to a DPoP key yet, bind it to this
   * one (RFC 9449 §5: a public client's refresh token is bound once it proves a key). A bound
   * session keeps its key whatever is given here.
   */
  readonly dpopJkt?: string;
}

/** A schedule change of a stored signing key. */
export type SigningKeyChange = Pick<SigningKeyRecord, 'state' | 'activatesAt' | 'retiresAt'>;

/** Input of {@link Store.addSigningKey}. */
export interface AddSigningKeyInput {
  readonly key: SigningKeyRecord;
  /**
   * The kids of every stored key when the caller decided to add this one. The key is added
   * only if the stored keys are still exactly these.
   */
  readonly expectedKids: readonly string[];
  /** Schedule changes of stored keys (the key the new one replaces), made in the same transaction. */
  readonly changes: ReadonlyMap<string, SigningKeyChange>;
}

/**
 * Tessera's durable state, behind narrow operations shaped by use. Each operation that
 * changes more than one row is atomic: a crash leaves either all of it or none of it. Every
 * implementation (SQLite, PostgreSQL) passes the same test suite, `describeStore`.
 */
/** What must still hold when a session is created (see `Store.createSession`). */
export interface SessionConditions {
  /** The session's client is stored (not for a built-in client, which has no row). */
  readonly clientMustExist?: boolean;
  /** The session's user is enabled and has this password hash (the one the login checked). */
  readonly userPasswordHash?: string;
}

export interface Store {
  // Users
  createUser(user: UserRecord, audit: AuditRecord): Promise<void>;
  findUserByUsername(username: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  setUserDisabled(id: string, disabled: boolean, audit: AuditRecord): Promise<boolean>;
  /**
   * Replace a password hash. Ends every session of the user except `keepSessionId`, logging
   * their revocations, in one transaction.
   */
  setUserPassword(
    id: string,
    passwordHash: string,
    now: number,
    keepSessionId: string | null,
    revocation: (session: SessionRecord) => RevocationEvent,
    audit: AuditRecord,
  ): Promise<boolean>;
  /**
   * Replace a password hash by a new hash of the same password (stronger parameters), only
   * if the stored hash is still `expectedHash`: a password changed meanwhile is never undone.
   * Sessions, revocations and the password's change time stay as they are. False when the
   * user is gone or the hash changed.
   */
  upgradePasswordHash(
    id: string,
    expectedHash: string,
    passwordHash: string,
    audit: AuditRecord,
  ): Promise<boolean>;

  // Clients
  createClient(client: ClientRecord, audit: AuditRecord): Promise<void>;
  findClient(clientId: string): Promise<ClientRecord | null>;
  listClients(): Promise<ClientRecord[]>;
  /**
   * Remove a client and revoke what it holds, in one transaction: every live session it
   * started ends with a `sid` revocation each (expiring with `revocation`), then `revocation`
   * is logged: the `sub` revocation of the client id, which reaches the tokens it got with
   * `client_credentials`. False, with nothing written, when there is no such client.
   */
  deleteClient(
    clientId: string,
    now: number,
    revocation: RevocationEvent,
    audit: AuditRecord,
  ): Promise<boolean>;

  // Sessions and refresh tokens
  /**
   * Create a session with its first refresh token, only while the conditions hold, checked in
   * the same transaction (on PostgreSQL holding the rows read until it commits, so a
   * concurrent change waits and then ends the new session): false then, with nothing
   * written. A login checks a password and a client before it creates the session; a
   * password change, a disabled user or a removed client in between must not leave a session
   * behind.
   */
  createSession(
    session: SessionRecord,
    refreshToken: RefreshTokenRecord,
    audit: AuditRecord,
    conditions?: SessionConditions,
  ): Promise<boolean>;
  findSession(id: string): Promise<SessionRecord | null>;
  /** Live sessions of a user, newest first. */
  listLiveSessions(userId: string, now: number): Promise<SessionRecord[]>;
  /** The atomic heart of refresh rotation and reuse detection. */
  rotateRefreshToken(input: RotateRefreshTokenInput): Promise<RotationOutcome>;
  /** The session a refresh token belongs to, without using the token (for RFC 7009 revocation). */
  findRefreshToken(hash: string): Promise<RefreshTokenRecord | null>;
  /** End one live session and log its revocation; false when it was not live. */
  endSession(
    id: string,
    now: number,
    reason: string,
    revocation: RevocationEvent,
    audit: AuditRecord,
  ): Promise<boolean>;
  /**
   * End every live session of a user ("log out everywhere"): log a `sid` revocation for each
   * (expiring with `revocation`) and then the given `sub` revocation, in one transaction.
   */
  endAllSessions(
    userId: string,
    now: number,
    revocation: RevocationEvent,
    audit: AuditRecord,
  ): Promise<number>;

  // Revocation log
  /** Append a revocation on its own (a `jti` or `kid` revocation). */
  appendRevocation(event: RevocationEvent, audit: AuditRecord): Promise<LoggedRevocationEvent>;
  /** Events after `cursor` (exclusive), in order, at most `limit`, skipping expired ones. */
  revocationsAfter(cursor: number, limit: number, now: number): Promise<LoggedRevocationEvent[]>;
  /** Remove events that can no longer match a valid token. */
  pruneRevocations(now: number): Promise<number>;

  // Signing keys
  saveSigningKey(key: SigningKeyRecord, audit: AuditRecord): Promise<void>;
  /**
   * Add a key (the first one, or a rotation's next one) and apply `changes`, in one
   * transaction, if the stored keys are still `expectedKids`; false, writing nothing, when
   * another process changed them first. Key-set writers queue behind one another, so of
   * several processes deciding from the same keys at once, exactly one adds its key.
   *
   * @throws TypeError when a change names a key that is not stored.
   */
  addSigningKey(input: AddSigningKeyInput, audit: AuditRecord): Promise<boolean>;
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Move a key along its life (pending → active → retiring). */
  updateSigningKey(kid: string, change: SigningKeyChange): Promise<boolean>;
  /** Delete a key at once and log a `kid` revocation. */
  deleteSigningKey(kid: string, revocation: RevocationEvent, audit: AuditRecord): Promise<boolean>;

  // Audit
  appendAudit(audit: AuditRecord): Promise<void>;
  listAudit(limit: number): Promise<AuditRecord[]>;

  /** Release connections and files. */
  close(): Promise<void>;
}
