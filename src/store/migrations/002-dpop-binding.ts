import type { Kysely, Migration } from 'kysely';

/**
 * DPoP binding of a session's refresh tokens (RFC 9449 §5): the RFC 7638 thumbprint of the
 * key a public client proved at login (or at its first refresh with a proof). Null for an
 * unbound session. One column on the session covers the whole refresh-token family, since
 * every token of a session is presented by the same client.
 */
export const dpopBindingMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('dpop_jkt', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('dpop_jkt').execute();
  },
};
