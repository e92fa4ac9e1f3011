import { sql, type Kysely } from 'kysely';
import type { Database, SqlDialectName } from '../database.js';

/** What a writer must hold alone while its transaction runs. */
export type WriterLock = 'revocation log' | 'signing keys';

// PostgreSQL advisory locks with two int4 keys: the first names Tessera (ASCII "Tsra"), the
// second the lock. A two-key lock never conflicts with a one-key (bigint) lock, such as the
// one Kysely's migrator takes, nor with another application's two-key locks unless it picks
// the same first key.
const NAMESPACE = 0x54737261;
const LOCK_IDS: Readonly<Record<WriterLock, number>> = {
  'revocation log': 1,
  'signing keys': 2,
};

/**
 * Queue this transaction behind every other holder of `lock` until it commits or rolls
 * back (`pg_advisory_xact_lock`). Readers are not held up. SQLite needs nothing: its
 * transactions start with `BEGIN IMMEDIATE`, so one writer runs at a time already.
 *
 * Deadlock rule: a transaction takes `signing keys` before `revocation log`, and takes no row
 * lock after `revocation log` (once the log lock is held, only the log and the audit log,
 * which have no foreign keys, are written), so no two transactions wait on each other.
 */
export async function takeWriterLock(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  lock: WriterLock,
): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(${sql.lit(NAMESPACE)}, ${sql.lit(LOCK_IDS[lock])})`.execute(
    trx,
  );
}
