import type { Kysely, Migration } from 'kysely';

/**
 * How a session's access tokens are bound to a browser (issue 6): `cookie` for a session
 * started in cookie mode (its access tokens carry `csh`, the hash of its CSRF token),
 * `fingerprint` for the token sidecar (its access tokens carry `fgp`), null for neither.
 * Kept on the session so every later refresh, by the server's pages or by `/oauth/token`,
 * issues tokens with the same binding. Plain `text`: SQLite and PostgreSQL agree on it, and
 * adding a nullable column needs no table rewrite on either.
 */
export const browserBindingMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('browser_binding', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('browser_binding').execute();
  },
};
