import type { Kysely } from 'kysely';
import type { RevocationEvent } from '../../revocation/revocation-event.js';
import type { Database, SqlDialectName } from '../database.js';
import type { AuditRecord, RefreshTokenRecord, SessionRecord } from '../records.js';
import { SESSION_END_REASONS } from '../session-end-reasons.js';
import type { SessionConditions } from '../store.js';
import * as rows from './rows.js';
import {
  endSessionsAndRevoke,
  forgetSealedSuccessors,
  insertAudit,
  insertRevocation,
  isLive,
} from './session-writes.js';

// Sessions and refresh tokens (rotation lives in rotate-in-transaction.ts). Functions that
// write several rows expect to run inside a transaction.

/** The arguments of `Store.createSession`, by name. */
export interface NewSession {
  readonly session: SessionRecord;
  readonly refreshToken: RefreshTokenRecord;
  readonly audit: AuditRecord;
  readonly conditions: SessionConditions;
}

export async function createSession(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  created: NewSession,
): Promise<boolean> {
  const { session, refreshToken, audit, conditions } = created;
  // FOR SHARE (PostgreSQL): a concurrent password change, disable or client removal waits for
  // this transaction and then ends the session it created. SQLite runs one writer at a time.
  // The user row first, then the client's, as every writer that takes both does.
  const expectedHash = conditions.userPasswordHash;
  if (expectedHash !== undefined) {
    const user = await trx
      .selectFrom('users')
      .select(['password_hash', 'disabled'])
      .where('id', '=', session.userId)
      .$if(dialect === 'postgres', (qb) => qb.forShare())
      .executeTakeFirst();
    if (user === undefined || user.password_hash !== expectedHash || user.disabled !== 0) {
      return false;
    }
  }
  if (conditions.clientMustExist === true) {
    const client = await trx
      .selectFrom('clients')
      .select('client_id')
      .where('client_id', '=', session.clientId)
      .$if(dialect === 'postgres', (qb) => qb.forShare())
      .executeTakeFirst();
    if (client === undefined) return false;
  }
  await trx.insertInto('sessions').values(rows.toSessionRow(session)).execute();
  await trx.insertInto('refresh_tokens').values(rows.toRefreshTokenRow(refreshToken)).execute();
  await insertAudit(trx, audit);
  return true;
}

export async function findSession(db: Kysely<Database>, id: string): Promise<SessionRecord | null> {
  const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? null : rows.toSession(row);
}

export async function listLiveSessions(
  db: Kysely<Database>,
  userId: string,
  now: number,
): Promise<SessionRecord[]> {
  const found = await db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where((eb) => isLive(eb, now))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return found.map(rows.toSession);
}

export async function findRefreshToken(
  db: Kysely<Database>,
  hash: string,
): Promise<RefreshTokenRecord | null> {
  const row = await db
    .selectFrom('refresh_tokens')
    .selectAll()
    .where('hash', '=', hash)
    .executeTakeFirst();
  return row === undefined ? null : rows.toRefreshToken(row);
}

/** The arguments of `Store.endSession`, by name. */
export interface SessionEnd {
  readonly id: string;
  readonly now: number;
  readonly reason: string;
  readonly revocation: RevocationEvent;
  readonly audit: AuditRecord;
}

export async function endSession(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  end: SessionEnd,
): Promise<boolean> {
  const result = await trx
    .updateTable('sessions')
    .set({ ended_at: end.now, end_reason: end.reason })
    .where('id', '=', end.id)
    .where((eb) => isLive(eb, end.now))
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await forgetSealedSuccessors(trx, [end.id]);
  await insertRevocation(trx, dialect, end.revocation);
  await insertAudit(trx, end.audit);
  return true;
}

export async function endAllSessions(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  userId: string,
  now: number,
  revocation: RevocationEvent,
  audit: AuditRecord,
): Promise<number> {
  // Lock the user row first (PostgreSQL), as setUserPassword does, so the two never lock
  // the same sessions in different orders.
  if (dialect === 'postgres') {
    await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
  }
  // One `sid` event per ended session: the `sub` event then needs only whole-second
  // precision, and a login later in the same second gets a token that works.
  const end = { now, reason: SESSION_END_REASONS.loggedOutEverywhere };
  return endSessionsAndRevoke(trx, dialect, { userId }, end, revocation, audit);
}
