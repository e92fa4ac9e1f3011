import { StoreError, StoreInputError } from '../store-error.js';

// Driver errors carry a `code`: better-sqlite3 uses SQLite's extended result names
// (`SQLITE_CONSTRAINT_UNIQUE`), node-postgres the SQLSTATE (`23505`), and Node's sockets
// errno names (`ECONNREFUSED`). Matching on codes, not classes, keeps this file free of
// driver imports, so neither driver is loaded for the other's sake.

const SQLITE_CONFLICT = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const PG_UNIQUE_VIOLATION = '23505';
// Text the server cannot hold: a NUL in `text` (22021) or `\u0000` in `jsonb` (22P05). The
// input was bad, not the database.
const PG_UNSTORABLE_TEXT = new Set(['22021', '22P05']);

const SOCKET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

// node-postgres (8.x) reports a lost or unreachable server with plain Errors that carry no
// code, only these messages: the socket closed under a client, a client that already lost
// its socket, a connect or pool checkout that timed out, and its own read timeout.
const PG_UNAVAILABLE_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Query read timeout',
]);

function isPgUnavailableMessage(error: unknown): boolean {
  return error instanceof Error && !('code' in error) && PG_UNAVAILABLE_MESSAGES.has(error.message);
}

function codeOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null;
  return typeof error.code === 'string' ? error.code : null;
}

function isUnavailable(code: string): boolean {
  if (SOCKET_UNAVAILABLE.has(code)) return true;
  // SQLite: another process holds the lock past busy_timeout, or the file cannot be used.
  if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY)/.test(code)) return true;
  // SQLSTATE classes 08 (connection), 53 (insufficient resources), 57P (shut down), a
  // statement or lock wait cut short by statement_timeout or lock_timeout (57014, 55P03),
  // and the two transaction failures a retry resolves (40001 serialization, 40P01 deadlock).
  return /^(08...|53...|57P0.|57014|55P03|40001|40P01)$/.test(code);
}

/**
 * The {@link StoreError} a driver error stands for (or a {@link StoreInputError} for text the
 * database cannot hold), or the error itself when it is not one callers handle (a bug: it
 * should surface as it is). `what` names the row for the message.
 */
export function toStoreError(error: unknown, what: string): unknown {
  if (error instanceof StoreError) return error;
  if (isPgUnavailableMessage(error)) return unavailable(error);
  const code = codeOf(error);
  if (code === null) return error;
  if (SQLITE_CONFLICT.has(code) || code === PG_UNIQUE_VIOLATION) {
    return new StoreError('ERR_STORE_CONFLICT', `${what} already exists`, { cause: error });
  }
  if (isUnavailable(code)) return unavailable(error);
  if (PG_UNSTORABLE_TEXT.has(code)) {
    return new StoreInputError(`${what}: the text holds a character the database cannot store`, {
      cause: error,
    });
  }
  return error;
}

function unavailable(cause: unknown): StoreError {
  return new StoreError('ERR_STORE_UNAVAILABLE', 'the database is unavailable or busy', { cause });
}
