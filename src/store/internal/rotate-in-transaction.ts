import type { Kysely } from 'kysely';
import type { Database, SqlDialectName } from '../database.js';
import { SESSION_END_REASONS } from '../session-end-reasons.js';
import type { SessionRecord } from '../records.js';
import type { RotateRefreshTokenInput, RotationOutcome } from '../store.js';
import { toRefreshTokenRow, toMillis, toSession } from './rows.js';
import { forgetSealedSuccessors, insertAudit, insertRevocation } from './session-writes.js';

function checkSuccessor(input: RotateRefreshTokenInput): void {
  if (input.successor.spentAt !== null || input.successor.successorSealed !== null) {
    throw new TypeError('the successor must be unspent and carry no sealed successor');
  }
}

/**
 * The body of `rotateRefreshToken`, run inside one transaction. On PostgreSQL it locks the
 * session row first and then the token row, the order every other transaction follows too
 * (session, then its tokens), so concurrent presentations queue up instead of deadlocking;
 * SQLite transactions already run one at a time.
 */
export async function rotateInTransaction(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  input: RotateRefreshTokenInput,
): Promise<RotationOutcome> {
  const { presentedHash, now, graceMs } = input;
  const lock = dialect === 'postgres';

  const found = await trx
    .selectFrom('refresh_tokens')
    .select('session_id')
    .where('hash', '=', presentedHash)
    .executeTakeFirst();
  if (found === undefined) return { kind: 'unknown' };
  const sessionRow = await trx
    .selectFrom('sessions')
    .selectAll()
    .where('id', '=', found.session_id)
    .$if(lock, (qb) => qb.forUpdate())
    .executeTakeFirst();
  // The foreign key makes a missing session impossible; treat one like a missing token.
  if (sessionRow === undefined) return { kind: 'unknown' };
  const token = await trx
    .selectFrom('refresh_tokens')
    .selectAll()
    .where('hash', '=', presentedHash)
    .$if(lock, (qb) => qb.forUpdate())
    .executeTakeFirstOrThrow();
  const session = toSession(sessionRow);

  // The sealed successor is kept only for the grace window ([spentAt, spentAt + graceMs)):
  // forget this session's older ones while we hold its lock anyway.
  await trx
    .updateTable('refresh_tokens')
    .set({ successor_sealed: null })
    .where('session_id', '=', session.id)
    .where('successor_sealed', 'is not', null)
    .where('spent_at', '<=', now - graceMs)
    .execute();

  if (
    session.endedAt !== null ||
    now >= session.idleExpiresAt ||
    now >= session.absoluteExpiresAt ||
    now >= toMillis(token.expires_at)
  ) {
    return { kind: 'expired' };
  }

  if (token.spent_at === null) {
    checkSuccessor(input);
    await trx
      .updateTable('refresh_tokens')
      .set({ spent_at: now, successor_sealed: graceMs > 0 ? input.successorSealed : null })
      .where('hash', '=', presentedHash)
      .execute();
    // The successor joins the presented token's chain, whatever the caller filled in.
    const successor = { ...input.successor, sessionId: session.id, parentHash: presentedHash };
    await trx.insertInto('refresh_tokens').values(toRefreshTokenRow(successor)).execute();
    // Refresh moves the idle expiry forward but never past the absolute one.
    const idleExpiresAt = Math.min(input.idleExpiresAt, session.absoluteExpiresAt);
    // A session is bound at most once: its key never changes afterwards.
    const dpopJkt = session.dpopJkt ?? input.dpopJkt ?? null;
    await trx
      .updateTable('sessions')
      .set({ last_used_at: now, idle_expires_at: idleExpiresAt, dpop_jkt: dpopJkt })
      .where('id', '=', session.id)
      .execute();
    return { kind: 'rotated', session: { ...session, lastUsedAt: now, idleExpiresAt, dpopJkt } };
  }

  // Spent moments ago by a concurrent request (two tabs refreshing at once): hand out the
  // same successor, but only while that successor is itself unspent. Once it has been used,
  // the chain has moved on and this presentation is a replay.
  if (now - toMillis(token.spent_at) < graceMs && token.successor_sealed !== null) {
    const child = await trx
      .selectFrom('refresh_tokens')
      .select('spent_at')
      .where('parent_hash', '=', presentedHash)
      .$if(lock, (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (child !== undefined && child.spent_at === null) {
      return { kind: 'grace', session, successorSealed: token.successor_sealed };
    }
  }

  // RFC 9700 §4.14.2: a spent token presented again means it was stolen; we cannot tell
  // whether the thief or the user holds the live token, so the whole session ends.
  const ended: SessionRecord = {
    ...session,
    endedAt: now,
    endReason: SESSION_END_REASONS.refreshReuse,
  };
  await trx
    .updateTable('sessions')
    .set({ ended_at: now, end_reason: ended.endReason })
    .where('id', '=', session.id)
    .execute();
  await forgetSealedSuccessors(trx, [session.id]);
  await insertRevocation(trx, dialect, input.reuseRevocation(ended));
  await insertAudit(trx, input.reuseAudit(ended));
  return { kind: 'reused', session: ended };
}
