import { storeTarget } from '../../store/open-store.js';
import { resolvePostgresUrl } from '../../store/postgres/postgres-target.js';

/** A signing key's id and algorithm, as `tessera doctor` needs them. */
export interface KeyAlgorithm {
  readonly kid: string;
  readonly alg: string;
}

// An SQLite error that means "no store has been created here yet".
const NOT_YET = /no such table|unable to open|SQLITE_CANTOPEN|does not exist/i;

async function fromSqlite(path: string): Promise<KeyAlgorithm[] | null> {
  if (path === '' || path === ':memory:') return null;
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  let db: InstanceType<typeof BetterSqlite3>;
  try {
    // readonly + fileMustExist: opening never creates the file, its journal or a schema.
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  } catch {
    return null;
  }
  try {
    return db.prepare('SELECT kid, alg FROM signing_keys').all() as KeyAlgorithm[];
  } catch (error) {
    if (error instanceof Error && NOT_YET.test(error.message)) return null;
    throw error;
  } finally {
    db.close();
  }
}

async function fromPostgres(url: string): Promise<KeyAlgorithm[] | null> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: resolvePostgresUrl(url).connectionString });
  await client.connect();
  try {
    // A READ ONLY transaction: the server itself refuses any write, whatever runs inside.
    await client.query('BEGIN TRANSACTION READ ONLY');
    try {
      const exists = await client.query<{ found: string | null }>(
        "SELECT to_regclass('signing_keys')::text AS found",
      );
      if (exists.rows[0]?.found === null || exists.rows[0] === undefined) return null;
      const rows = await client.query<KeyAlgorithm>('SELECT kid, alg FROM signing_keys');
      return rows.rows.map(({ kid, alg }) => ({ kid, alg }));
    } finally {
      await client.query('ROLLBACK');
    }
  } finally {
    await client.end();
  }
}

/**
 * Read the signing keys' algorithms from the store `db` names, strictly read-only: SQLite is
 * opened read-only and only if the file exists, PostgreSQL is read in a READ ONLY transaction,
 * and neither is ever created nor migrated (doctor inspects, it does not set up).
 *
 * @returns the keys, or null when there is no store yet (no file, no table, an in-memory URL).
 * @throws Error when the store exists but cannot be read (unreachable server, a refused
 *   login); the message comes from the driver and never holds the URL's password.
 * @example
 * const keys = await readSigningKeyAlgorithms('sqlite:/var/lib/tessera/tessera.db');
 */
export async function readSigningKeyAlgorithms(db: string): Promise<KeyAlgorithm[] | null> {
  const target = storeTarget(db);
  if (target.kind === 'postgres') return fromPostgres(db);
  if (target.kind === 'unknown') return null;
  return fromSqlite(target.path);
}
