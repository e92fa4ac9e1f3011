import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database, SqlDialectName } from '../database.js';
import { createInitialMigration } from './001-initial.js';
import { dpopBindingMigration } from './002-dpop-binding.js';
import { browserBindingMigration } from './003-browser-binding.js';
import { sessionsClientIndexMigration } from './004-sessions-client-index.js';

/**
 * Every migration, by name, in order. Listed here rather than found by scanning a folder,
 * so the compiled package (dist/, bundles) migrates without reading the file system.
 * Names sort in order (Kysely applies them alphabetically): add `002-...` below.
 */
export function listMigrations(dialect: SqlDialectName): Record<string, Migration> {
  return {
    '001-initial': createInitialMigration(dialect),
    '002-dpop-binding': dpopBindingMigration,
    '003-browser-binding': browserBindingMigration,
    '004-sessions-client-index': sessionsClientIndexMigration,
  };
}

class StaticMigrationProvider implements MigrationProvider {
  readonly #migrations: Record<string, Migration>;

  constructor(migrations: Record<string, Migration>) {
    this.#migrations = migrations;
  }

  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(this.#migrations);
  }
}

/**
 * Bring the schema up to date. Kysely's migrator records what ran in
 * `tessera_migration` and holds a lock while it runs, so several processes starting at once
 * migrate exactly once.
 *
 * @throws Error naming the migration that failed, with the database error as `cause`.
 * @example
 * await migrateToLatest(db, 'sqlite');
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: SqlDialectName,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(listMigrations(dialect)),
    // Our own table names, so a PostgreSQL database shared with another Kysely app cannot mix
    // the two apps' migration histories.
    migrationTableName: 'tessera_migration',
    migrationLockTableName: 'tessera_migration_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`store migration ${failed ?? '(setup)'} failed`, { cause: error });
  }
}
