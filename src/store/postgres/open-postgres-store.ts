import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../database.js';
import { toStoreError } from '../internal/to-store-error.js';
import { KyselyStore } from '../kysely-store.js';
import { migrateToLatest } from '../migrations/migrate-to-latest.js';
import { StoreError } from '../store-error.js';
import { describeConnectFailure } from './describe-connect-failure.js';
import { resolvePostgresUrl } from './postgres-target.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`; libpq query parameters (sslmode…) work. */
  readonly url: string;
  /** Connections this process keeps at most. Default 10. */
  readonly maxConnections?: number;
  /**
   * How long opening a connection, or waiting for a free one when all are busy, may take
   * before the operation fails with `ERR_STORE_UNAVAILABLE`. Default 5000.
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long one statement may run, lock waits included, before PostgreSQL cancels it
   * (`statement_timeout`; the operation fails with `ERR_STORE_UNAVAILABLE`). Default 10000.
   */
  readonly statementTimeoutMs?: number;
  /**
   * Told of errors on connections no operation is using (the server restarted, the network
   * dropped). The pool has already discarded the connection; the next operation opens a new
   * one. Default: ignored.
   */
  readonly onConnectionError?: (error: Error) => void;
}

function checkMillis(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${name} must be a whole number, ${min} or more`);
  }
}

/**
 * Open the PostgreSQL store and bring its schema up to date. Several processes may open the
 * same empty database at once: Kysely's migrator holds an advisory lock while it runs, so
 * the schema is created exactly once.
 *
 * `bigint` columns come back from node-postgres as strings (int8 may exceed 2^53); the row
 * mappers turn them into numbers and fail loudly on one that is not a safe integer, so no
 * parser is installed (pg's parsers are process-wide and would change other pg users too).
 *
 * A connection error never crashes the process: idle and busy connections both have an
 * `error` listener. A server lost at run time makes operations fail with
 * `ERR_STORE_UNAVAILABLE`, and they succeed again, without a restart, once it is back.
 *
 * @throws TypeError for a URL that does not parse or a bad option.
 * @throws StoreError `ERR_STORE_UNAVAILABLE` when the server cannot be reached, refuses the
 *   user or has no such database; the message names host, port, database and user, never
 *   the password.
 * @throws Error when a migration fails.
 * @example
 * const store = await openPostgresStore({ url: 'postgres://tessera@db.internal/tessera' });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<KyselyStore> {
  const maxConnections = options.maxConnections ?? 10;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  checkMillis('maxConnections', maxConnections, 1);
  checkMillis('connectTimeoutMs', connectTimeoutMs, 1);
  checkMillis('statementTimeoutMs', statementTimeoutMs, 1);
  const { connectionString, target } = resolvePostgresUrl(options.url);
  const onConnectionError = options.onConnectionError ?? (() => undefined);

  const pool = new pg.Pool({
    connectionString,
    max: maxConnections,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'tessera',
    statement_timeout: statementTimeoutMs,
    // A backstop for a server that stopped answering without closing the socket: the
    // server's own statement_timeout normally fires first.
    query_timeout: statementTimeoutMs + 5000,
    // Row locks held by a client that hangs mid-transaction are released after this.
    idle_in_transaction_session_timeout: 60_000,
  });
  // An idle connection that fails is reported here (without a listener, the process dies).
  pool.on('error', onConnectionError);
  // pg-pool listens for errors on idle connections only: a connection that fails while an
  // operation holds it would emit an unhandled 'error' and end the process. Its query has
  // already failed, so the operation reports the loss; this listener just keeps us alive.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });

  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end();
    throw new StoreError(
      'ERR_STORE_UNAVAILABLE',
      describeConnectFailure(error, target, connectTimeoutMs),
      { cause: error },
    );
  }

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, 'postgres');
  } catch (error) {
    await db.destroy();
    throw toStoreError(error, 'database');
  }
  return new KyselyStore(db, { dialect: 'postgres' });
}
