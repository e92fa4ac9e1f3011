import type { Kysely } from 'kysely';
import type { RevocationEvent } from '../../revocation/revocation-event.js';
import type { Database, SqlDialectName } from '../database.js';
import type { AuditRecord, ClientRecord, SessionRecord, UserRecord } from '../records.js';
import { SESSION_END_REASONS } from '../session-end-reasons.js';
import * as rows from './rows.js';
import {
  endLiveSessions,
  endSessionsAndRevoke,
  insertAudit,
  insertRevocation,
} from './session-writes.js';

// Users and clients. Functions that write several rows expect to run inside a transaction.

export async function createUser(
  trx: Kysely<Database>,
  user: UserRecord,
  audit: AuditRecord,
): Promise<void> {
  await trx.insertInto('users').values(rows.toUserRow(user)).execute();
  await insertAudit(trx, audit);
}

export async function findUser(
  db: Kysely<Database>,
  by: 'id' | 'username',
  value: string,
): Promise<UserRecord | null> {
  const row = await db.selectFrom('users').selectAll().where(by, '=', value).executeTakeFirst();
  return row === undefined ? null : rows.toUser(row);
}

export async function listUsers(db: Kysely<Database>): Promise<UserRecord[]> {
  const found = await db.selectFrom('users').selectAll().orderBy('username').execute();
  return found.map(rows.toUser);
}

export async function setUserDisabled(
  trx: Kysely<Database>,
  id: string,
  disabled: boolean,
  audit: AuditRecord,
): Promise<boolean> {
  const result = await trx
    .updateTable('users')
    .set({ disabled: disabled ? 1 : 0 })
    .where('id', '=', id)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await insertAudit(trx, audit);
  return true;
}

/** The arguments of `Store.setUserPassword`, by name. */
export interface PasswordChange {
  readonly id: string;
  readonly passwordHash: string;
  readonly now: number;
  readonly keepSessionId: string | null;
  readonly revocation: (session: SessionRecord) => RevocationEvent;
  readonly audit: AuditRecord;
}

export async function setUserPassword(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  change: PasswordChange,
): Promise<boolean> {
  // Updating the user row first also locks it on PostgreSQL, so this queues behind (or
  // ahead of) an endAllSessions of the same user instead of locking sessions in another order.
  const result = await trx
    .updateTable('users')
    .set({ password_hash: change.passwordHash, password_changed_at: change.now })
    .where('id', '=', change.id)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  const ended = await endLiveSessions(
    trx,
    { userId: change.id },
    change.now,
    SESSION_END_REASONS.passwordChanged,
    change.keepSessionId,
  );
  for (const session of ended) {
    await insertRevocation(trx, dialect, change.revocation(session));
  }
  await insertAudit(trx, change.audit);
  return true;
}

/** See `Store.upgradePasswordHash`: compare and set, then the audit line. */
export async function upgradePasswordHash(
  trx: Kysely<Database>,
  id: string,
  expectedHash: string,
  passwordHash: string,
  audit: AuditRecord,
): Promise<boolean> {
  const result = await trx
    .updateTable('users')
    .set({ password_hash: passwordHash })
    .where('id', '=', id)
    .where('password_hash', '=', expectedHash)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await insertAudit(trx, audit);
  return true;
}

export async function createClient(
  trx: Kysely<Database>,
  client: ClientRecord,
  audit: AuditRecord,
): Promise<void> {
  await trx.insertInto('clients').values(rows.toClientRow(client)).execute();
  await insertAudit(trx, audit);
}

export async function findClient(
  db: Kysely<Database>,
  clientId: string,
): Promise<ClientRecord | null> {
  const row = await db
    .selectFrom('clients')
    .selectAll()
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return row === undefined ? null : rows.toClient(row);
}

export async function listClients(db: Kysely<Database>): Promise<ClientRecord[]> {
  const found = await db.selectFrom('clients').selectAll().orderBy('client_id').execute();
  return found.map(rows.toClient);
}

/** The arguments of `Store.deleteClient`, by name. */
export interface ClientRemoval {
  readonly clientId: string;
  readonly now: number;
  /** The `sub` revocation of the client id; its `expiresAt` is also the sessions' events'. */
  readonly revocation: RevocationEvent;
  readonly audit: AuditRecord;
}

export async function deleteClient(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  removal: ClientRemoval,
): Promise<boolean> {
  const { clientId, now, revocation, audit } = removal;
  const result = await trx
    .deleteFrom('clients')
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) return false;
  const end = { now, reason: SESSION_END_REASONS.clientRemoved };
  await endSessionsAndRevoke(trx, dialect, { clientId }, end, revocation, audit);
  return true;
}
