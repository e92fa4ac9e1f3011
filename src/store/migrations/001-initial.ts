import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { SqlDialectName } from '../database.js';

/**
 * A database-assigned id that never goes back. SQLite needs AUTOINCREMENT for that: a plain
 * rowid reuses max+1 after the newest rows are deleted, and pruning the revocation log would
 * then hand out ids that verifiers' cursors have already passed. PostgreSQL identities never
 * reuse values.
 */
function addGeneratedId<TB extends string>(
  table: CreateTableBuilder<TB>,
  dialect: SqlDialectName,
): CreateTableBuilder<TB, 'id'> {
  return dialect === 'sqlite'
    ? table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
    : table.addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity());
}

/**
 * The first schema: users, clients, sessions, refresh tokens, signing keys, the revocation
 * log and the audit log. Times are `bigint` milliseconds (PostgreSQL `integer` is 32-bit);
 * booleans are 0/1 integers so both dialects read the same values.
 */
export function createInitialMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('username', 'text', (col) => col.notNull().unique())
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('disabled', 'integer', (col) =>
          col
            .notNull()
            .defaultTo(0)
            .check(sql`disabled in (0, 1)`),
        )
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('password_changed_at', 'bigint', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('clients')
        .addColumn('client_id', 'text', (col) => col.primaryKey())
        .addColumn('secret_hash', 'text')
        .addColumn('scopes', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .execute();

      // No foreign key to clients: a session may outlive the client that started it, and
      // deleting a client must not fail because someone once logged in through it.
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id'))
        .addColumn('client_id', 'text', (col) => col.notNull())
        .addColumn('user_agent', 'text')
        .addColumn('ip', 'text')
        .addColumn('scope', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('last_used_at', 'bigint', (col) => col.notNull())
        .addColumn('idle_expires_at', 'bigint', (col) => col.notNull())
        .addColumn('absolute_expires_at', 'bigint', (col) => col.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('end_reason', 'text')
        .execute();
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();

      await db.schema
        .createTable('refresh_tokens')
        .addColumn('hash', 'text', (col) => col.primaryKey())
        .addColumn('session_id', 'text', (col) => col.notNull().references('sessions.id'))
        .addColumn('parent_hash', 'text')
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .addColumn('spent_at', 'bigint')
        .addColumn('successor_sealed', 'text')
        .execute();
      await db.schema
        .createIndex('refresh_tokens_session_id')
        .on('refresh_tokens')
        .column('session_id')
        .execute();
      await db.schema
        .createIndex('refresh_tokens_parent_hash')
        .on('refresh_tokens')
        .column('parent_hash')
        .execute();

      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (col) => col.primaryKey())
        .addColumn('alg', 'text', (col) => col.notNull())
        .addColumn('private_jwk_sealed', 'text', (col) => col.notNull())
        .addColumn('state', 'text', (col) =>
          col.notNull().check(sql`state in ('pending', 'active', 'retiring')`),
        )
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('activates_at', 'bigint')
        .addColumn('retires_at', 'bigint')
        .execute();

      await db.schema
        .createTable('revocations')
        .$call((table) => addGeneratedId(table, dialect))
        .addColumn('kind', 'text', (col) =>
          col.notNull().check(sql`kind in ('jti', 'sid', 'sub', 'kid')`),
        )
        .addColumn('value', 'text', (col) => col.notNull())
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('revocations_expires_at')
        .on('revocations')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('audit_log')
        .$call((table) => addGeneratedId(table, dialect))
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('user_id', 'text')
        .addColumn('session_id', 'text')
        .addColumn('client_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('detail', 'text', (col) => col.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        'audit_log',
        'revocations',
        'signing_keys',
        'refresh_tokens',
        'sessions',
        'clients',
        'users',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
