import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { LoggedRevocationEvent, RevocationEvent } from '../../revocation/revocation-event.js';
import type { Database, SqlDialectName } from '../database.js';
import type { AuditRecord, SessionRecord } from '../records.js';
import { toAuditRow, toMillis, toRevocationRow, toSession } from './rows.js';
import { takeWriterLock } from './writer-lock.js';

// Writes that several store operations share, each run inside the caller's transaction.

/** A live session: not ended, and neither idle nor past its absolute lifetime at `now`. */
export function isLive(
  eb: ExpressionBuilder<Database, 'sessions'>,
  now: number,
): Expression<SqlBool> {
  return eb.and([
    eb('ended_at', 'is', null),
    eb('idle_expires_at', '>', now),
    eb('absolute_expires_at', '>', now),
  ]);
}

/** Append one event to the revocation log and return it with its assigned id. */
export async function insertRevocation(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  event: RevocationEvent,
): Promise<LoggedRevocationEvent> {
  // Identity values are taken at insert but become visible at commit, so two writers could
  // commit out of order, and a follower that reads id 11 before id 10 commits moves its
  // cursor past 10 for good. Holding the log's writer lock from before the insert until
  // commit makes ids visible in the order they were taken. An advisory lock rather than
  // LOCK TABLE: an EXCLUSIVE table lock also conflicts with (auto)vacuum and with pruning,
  // so log writers would stall behind them.
  await takeWriterLock(trx, dialect, 'revocation log');
  const row = await trx
    .insertInto('revocations')
    .values(toRevocationRow(event))
    .returning('id')
    .executeTakeFirstOrThrow();
  return {
    id: toMillis(row.id),
    kind: event.kind,
    value: event.value,
    at: event.at,
    expiresAt: event.expiresAt,
  };
}

/** Append one line to the audit log. */
export async function insertAudit(trx: Kysely<Database>, audit: AuditRecord): Promise<void> {
  await trx.insertInto('audit_log').values(toAuditRow(audit)).execute();
}

// Bound on the values in one `in (...)` list, well under SQLite's and PostgreSQL's limits.
const ID_CHUNK = 500;

/**
 * Drop the sealed successors of ended sessions: they exist only so a concurrent second
 * presentation within the grace window gets the same token, which an ended session never
 * hands out again.
 */
export async function forgetSealedSuccessors(
  trx: Kysely<Database>,
  sessionIds: readonly string[],
): Promise<void> {
  for (let start = 0; start < sessionIds.length; start += ID_CHUNK) {
    await trx
      .updateTable('refresh_tokens')
      .set({ successor_sealed: null })
      .where('session_id', 'in', sessionIds.slice(start, start + ID_CHUNK))
      .where('successor_sealed', 'is not', null)
      .execute();
  }
}

/**
 * End the live sessions of a user or of a client (all but `keepSessionId`) in one statement,
 * which returns exactly the rows it ended: a session created concurrently is either ended and
 * returned, or left alone, never ended without being reported.
 */
export async function endLiveSessions(
  trx: Kysely<Database>,
  owner: { readonly userId: string } | { readonly clientId: string },
  now: number,
  reason: string,
  keepSessionId: string | null,
): Promise<SessionRecord[]> {
  const [column, value] =
    'userId' in owner
      ? (['user_id', owner.userId] as const)
      : (['client_id', owner.clientId] as const);
  const rows = await trx
    .updateTable('sessions')
    .set({ ended_at: now, end_reason: reason })
    .where(column, '=', value)
    .where((eb) => isLive(eb, now))
    .$if(keepSessionId !== null, (qb) => qb.where('id', '!=', keepSessionId ?? ''))
    .returningAll()
    .execute();
  const ended = rows.map(toSession).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await forgetSealedSuccessors(
    trx,
    ended.map((session) => session.id),
  );
  return ended;
}

/**
 * End the live sessions of a user or a client ({@link endLiveSessions}), log a `sid` event
 * for each, so their tokens die whatever their `iat`, then `revocation` (the owner's `sub`
 * event, whose `expiresAt` the `sid` events share) and `audit`. The `sub` event is logged even
 * when no session was live: access tokens of sessions that just expired may still be valid.
 * Returns how many sessions ended.
 */
export async function endSessionsAndRevoke(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  owner: { readonly userId: string } | { readonly clientId: string },
  end: { readonly now: number; readonly reason: string },
  revocation: RevocationEvent,
  audit: AuditRecord,
): Promise<number> {
  const ended = await endLiveSessions(trx, owner, end.now, end.reason, null);
  for (const session of ended) {
    await insertRevocation(trx, dialect, {
      kind: 'sid',
      value: session.id,
      at: end.now,
      expiresAt: revocation.expiresAt,
    });
  }
  await insertRevocation(trx, dialect, revocation);
  await insertAudit(trx, audit);
  return ended.length;
}
