import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';

/**
 * Starts every transaction with `BEGIN IMMEDIATE`, taking SQLite's write lock at once.
 * Kysely's default `BEGIN` is deferred: it reads first and asks for the write lock at the
 * first write, and if another process (the CLI next to a running server) wrote in between,
 * SQLite fails that upgrade with SQLITE_BUSY at once, without waiting out busy_timeout,
 * because the snapshot already read is stale. Taking the lock up front makes concurrent
 * writers queue for it instead, and every read in the transaction sees the latest data.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * Kysely's SQLite dialect with {@link ImmediateSqliteDriver}: `BEGIN IMMEDIATE` transactions.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }) });
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
