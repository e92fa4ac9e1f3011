import type { Kysely, Migration } from 'kysely';

/**
 * An index on `sessions.client_id`: removing a client ends every live session it started
 * (`Store.deleteClient`), which without it reads the whole table inside the transaction.
 */
export const sessionsClientIndexMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('sessions_client_id').on('sessions').column('client_id').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('sessions_client_id').execute();
  },
};
