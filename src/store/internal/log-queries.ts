import type { Kysely } from 'kysely';
import type { LoggedRevocationEvent, RevocationEvent } from '../../revocation/revocation-event.js';
import type { Database, SqlDialectName } from '../database.js';
import type { AuditRecord, SigningKeyRecord } from '../records.js';
import type { AddSigningKeyInput, SigningKeyChange } from '../store.js';
import * as rows from './rows.js';
import { insertAudit, insertRevocation } from './session-writes.js';
import { takeWriterLock } from './writer-lock.js';

// The revocation log, signing keys and the audit log. Functions that write several rows
// expect to run inside a transaction.

export async function appendRevocation(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  event: RevocationEvent,
  audit: AuditRecord,
): Promise<LoggedRevocationEvent> {
  const logged = await insertRevocation(trx, dialect, event);
  await insertAudit(trx, audit);
  return logged;
}

export async function revocationsAfter(
  db: Kysely<Database>,
  cursor: number,
  limit: number,
  now: number,
): Promise<LoggedRevocationEvent[]> {
  const found = await db
    .selectFrom('revocations')
    .selectAll()
    .where('id', '>', cursor)
    .where('expires_at', '>', now)
    .orderBy('id')
    .limit(limit)
    .execute();
  return found.map(rows.toRevocation);
}

export async function pruneRevocations(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db
    .deleteFrom('revocations')
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function saveSigningKey(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  key: SigningKeyRecord,
  audit: AuditRecord,
): Promise<void> {
  await takeWriterLock(trx, dialect, 'signing keys');
  await trx.insertInto('signing_keys').values(rows.toSigningKeyRow(key)).execute();
  await insertAudit(trx, audit);
}

export async function addSigningKey(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  input: AddSigningKeyInput,
  audit: AuditRecord,
): Promise<boolean> {
  // Under the lock, and on PostgreSQL read in a statement that starts after it was granted
  // (READ COMMITTED), so this sees every key a writer ahead of us committed.
  await takeWriterLock(trx, dialect, 'signing keys');
  const stored = await trx.selectFrom('signing_keys').select('kid').execute();
  const expected = new Set(input.expectedKids);
  if (stored.length !== expected.size || stored.some((row) => !expected.has(row.kid))) {
    return false;
  }
  await trx.insertInto('signing_keys').values(rows.toSigningKeyRow(input.key)).execute();
  for (const [kid, change] of input.changes) {
    if (!(await updateSigningKey(trx, kid, change))) {
      throw new TypeError(`no signing key has kid ${kid}`);
    }
  }
  await insertAudit(trx, audit);
  return true;
}

export async function listSigningKeys(db: Kysely<Database>): Promise<SigningKeyRecord[]> {
  const found = await db
    .selectFrom('signing_keys')
    .selectAll()
    .orderBy('created_at')
    .orderBy('kid')
    .execute();
  return found.map(rows.toSigningKey);
}

export async function updateSigningKey(
  db: Kysely<Database>,
  kid: string,
  change: SigningKeyChange,
): Promise<boolean> {
  const result = await db
    .updateTable('signing_keys')
    .set({ state: change.state, activates_at: change.activatesAt, retires_at: change.retiresAt })
    .where('kid', '=', kid)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteSigningKey(
  trx: Kysely<Database>,
  dialect: SqlDialectName,
  kid: string,
  revocation: RevocationEvent,
  audit: AuditRecord,
): Promise<boolean> {
  await takeWriterLock(trx, dialect, 'signing keys');
  const result = await trx.deleteFrom('signing_keys').where('kid', '=', kid).executeTakeFirst();
  if (result.numDeletedRows === 0n) return false;
  await insertRevocation(trx, dialect, revocation);
  await insertAudit(trx, audit);
  return true;
}

export async function listAudit(db: Kysely<Database>, limit: number): Promise<AuditRecord[]> {
  const found = await db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return found.map(rows.toAudit);
}
