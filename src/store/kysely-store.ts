import type { Kysely } from 'kysely';
import type { LoggedRevocationEvent, RevocationEvent } from '../revocation/revocation-event.js';
import type { Database, SqlDialectName } from './database.js';
import * as accounts from './internal/account-queries.js';
import * as logs from './internal/log-queries.js';
import { rotateInTransaction } from './internal/rotate-in-transaction.js';
import * as sessions from './internal/session-queries.js';
import { insertAudit } from './internal/session-writes.js';
import { toStoreError } from './internal/to-store-error.js';
import type {
  AuditRecord,
  ClientRecord,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from './records.js';
import type {
  AddSigningKeyInput,
  RotateRefreshTokenInput,
  RotationOutcome,
  SessionConditions,
  SigningKeyChange,
  Store,
} from './store.js';

/** Options of {@link KyselyStore}. */
export interface KyselyStoreOptions {
  /** Which SQL the database speaks; the few behaviours that differ (row locks) follow it. */
  readonly dialect: SqlDialectName;
}

function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new TypeError('limit must be a whole number, 0 or more');
  }
}

/**
 * The {@link Store} on Kysely: one query layer for SQLite and PostgreSQL. Every operation
 * that writes more than one row runs in one transaction. Row locks (`for update`) are taken
 * on PostgreSQL only, where transactions run side by side; SQLite's single connection (and
 * its single writer) runs them one at a time already.
 *
 * Driver errors callers handle become a `StoreError`: `ERR_STORE_CONFLICT` for a duplicate
 * key, `ERR_STORE_UNAVAILABLE` for a database that is down or busy. Caller mistakes (a
 * successor of another session, a negative limit) throw `TypeError`.
 *
 * The schema must be migrated first (`migrateToLatest`); `openStore` does both.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
 * await migrateToLatest(db, 'sqlite');
 * const store = new KyselyStore(db, { dialect: 'sqlite' });
 */
export class KyselyStore implements Store {
  readonly #db: Kysely<Database>;
  readonly #dialect: SqlDialectName;

  constructor(db: Kysely<Database>, options: KyselyStoreOptions) {
    this.#db = db;
    this.#dialect = options.dialect;
  }

  /** Run `operation`; `what` names the row in a conflict message. */
  async #run<T>(what: string, operation: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    try {
      return await operation(this.#db);
    } catch (error) {
      throw toStoreError(error, what);
    }
  }

  /** Like {@link KyselyStore.#run}, inside one transaction: all of it or none of it. */
  #transact<T>(what: string, operation: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.#run(what, (db) => db.transaction().execute(operation));
  }

  // Users

  createUser(user: UserRecord, audit: AuditRecord): Promise<void> {
    return this.#transact('a user with this id or username', (trx) =>
      accounts.createUser(trx, user, audit),
    );
  }

  findUserByUsername(username: string): Promise<UserRecord | null> {
    return this.#run('user', (db) => accounts.findUser(db, 'username', username));
  }

  findUserById(id: string): Promise<UserRecord | null> {
    return this.#run('user', (db) => accounts.findUser(db, 'id', id));
  }

  /** Every user, by username. */
  listUsers(): Promise<UserRecord[]> {
    return this.#run('user', (db) => accounts.listUsers(db));
  }

  setUserDisabled(id: string, disabled: boolean, audit: AuditRecord): Promise<boolean> {
    return this.#transact('user', (trx) => accounts.setUserDisabled(trx, id, disabled, audit));
  }

  setUserPassword(
    id: string,
    passwordHash: string,
    now: number,
    keepSessionId: string | null,
    revocation: (session: SessionRecord) => RevocationEvent,
    audit: AuditRecord,
  ): Promise<boolean> {
    const change = { id, passwordHash, now, keepSessionId, revocation, audit };
    return this.#transact('user', (trx) => accounts.setUserPassword(trx, this.#dialect, change));
  }

  upgradePasswordHash(
    id: string,
    expectedHash: string,
    passwordHash: string,
    audit: AuditRecord,
  ): Promise<boolean> {
    return this.#transact('user', (trx) =>
      accounts.upgradePasswordHash(trx, id, expectedHash, passwordHash, audit),
    );
  }

  // Clients

  createClient(client: ClientRecord, audit: AuditRecord): Promise<void> {
    return this.#transact('a client with this id', (trx) =>
      accounts.createClient(trx, client, audit),
    );
  }

  findClient(clientId: string): Promise<ClientRecord | null> {
    return this.#run('client', (db) => accounts.findClient(db, clientId));
  }

  /** Every client, by id. */
  listClients(): Promise<ClientRecord[]> {
    return this.#run('client', (db) => accounts.listClients(db));
  }

  deleteClient(
    clientId: string,
    now: number,
    revocation: RevocationEvent,
    audit: AuditRecord,
  ): Promise<boolean> {
    const removal = { clientId, now, revocation, audit };
    return this.#transact('client', (trx) => accounts.deleteClient(trx, this.#dialect, removal));
  }

  // Sessions and refresh tokens

  /** @throws TypeError when the token is not an unspent, parentless token of `session`. */
  async createSession(
    session: SessionRecord,
    refreshToken: RefreshTokenRecord,
    audit: AuditRecord,
    conditions: SessionConditions = {},
  ): Promise<boolean> {
    if (
      refreshToken.sessionId !== session.id ||
      refreshToken.parentHash !== null ||
      refreshToken.spentAt !== null
    ) {
      throw new TypeError('the first refresh token must be unspent, parentless and of the session');
    }
    return this.#transact('a session with this id, or a token with this hash,', (trx) =>
      sessions.createSession(trx, this.#dialect, { session, refreshToken, audit, conditions }),
    );
  }

  findSession(id: string): Promise<SessionRecord | null> {
    return this.#run('session', (db) => sessions.findSession(db, id));
  }

  listLiveSessions(userId: string, now: number): Promise<SessionRecord[]> {
    return this.#run('session', (db) => sessions.listLiveSessions(db, userId, now));
  }

  /** @throws TypeError when the successor is spent or carries a sealed successor. */
  rotateRefreshToken(input: RotateRefreshTokenInput): Promise<RotationOutcome> {
    return this.#transact('a refresh token with this hash', (trx) =>
      rotateInTransaction(trx, this.#dialect, input),
    );
  }

  findRefreshToken(hash: string): Promise<RefreshTokenRecord | null> {
    return this.#run('refresh token', (db) => sessions.findRefreshToken(db, hash));
  }

  endSession(
    id: string,
    now: number,
    reason: string,
    revocation: RevocationEvent,
    audit: AuditRecord,
  ): Promise<boolean> {
    const end = { id, now, reason, revocation, audit };
    return this.#transact('session', (trx) => sessions.endSession(trx, this.#dialect, end));
  }

  /** The `sub` revocation is logged even when no session was live. */
  endAllSessions(
    userId: string,
    now: number,
    revocation: RevocationEvent,
    audit: AuditRecord,
  ): Promise<number> {
    return this.#transact('session', (trx) =>
      sessions.endAllSessions(trx, this.#dialect, userId, now, revocation, audit),
    );
  }

  // Revocation log

  appendRevocation(event: RevocationEvent, audit: AuditRecord): Promise<LoggedRevocationEvent> {
    return this.#transact('revocation', (trx) =>
      logs.appendRevocation(trx, this.#dialect, event, audit),
    );
  }

  /** @throws TypeError when `limit` is not a whole number, 0 or more. */
  async revocationsAfter(
    cursor: number,
    limit: number,
    now: number,
  ): Promise<LoggedRevocationEvent[]> {
    checkLimit(limit);
    if (limit === 0) return [];
    return this.#run('revocation', (db) => logs.revocationsAfter(db, cursor, limit, now));
  }

  pruneRevocations(now: number): Promise<number> {
    return this.#run('revocation', (db) => logs.pruneRevocations(db, now));
  }

  // Signing keys

  saveSigningKey(key: SigningKeyRecord, audit: AuditRecord): Promise<void> {
    return this.#transact('a signing key with this kid', (trx) =>
      logs.saveSigningKey(trx, this.#dialect, key, audit),
    );
  }

  /** @throws TypeError when a change names a key that is not stored. */
  addSigningKey(input: AddSigningKeyInput, audit: AuditRecord): Promise<boolean> {
    return this.#transact('a signing key with this kid', (trx) =>
      logs.addSigningKey(trx, this.#dialect, input, audit),
    );
  }

  /** Every key, oldest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.#run('signing key', (db) => logs.listSigningKeys(db));
  }

  updateSigningKey(kid: string, change: SigningKeyChange): Promise<boolean> {
    return this.#run('signing key', (db) => logs.updateSigningKey(db, kid, change));
  }

  deleteSigningKey(kid: string, revocation: RevocationEvent, audit: AuditRecord): Promise<boolean> {
    return this.#transact('signing key', (trx) =>
      logs.deleteSigningKey(trx, this.#dialect, kid, revocation, audit),
    );
  }

  // Audit

  appendAudit(audit: AuditRecord): Promise<void> {
    return this.#run('audit line', (db) => insertAudit(db, audit));
  }

  /**
   * The newest `limit` lines, newest first.
   *
   * @throws TypeError when `limit` is not a whole number, 0 or more.
   */
  async listAudit(limit: number): Promise<AuditRecord[]> {
    checkLimit(limit);
    return this.#run('audit line', (db) => logs.listAudit(db, limit));
  }

  /** Release the connection(s); the store cannot be used afterwards. */
  close(): Promise<void> {
    return this.#db.destroy();
  }
}
