import { StoreError } from '../store-error.js';

// Driver errors carry a `code`: better-sqlite3 uses SQLite's extended result names
// (`SQLITE_CONSTRAINT_UNIQUE`), node-postgres the SQLSTATE (`23505`), and Node's sockets
// errno names (`ECONNREFUSED`). Matching on codes, not classes, keeps this file free of
// driver imports, so neither driver is loaded for the other's sake.

const SQLITE_CONFLICT = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const PG_UNIQUE_VIOLATION = '23505';

const SOCKET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

function codeOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null;
  return typeof error.code === 'string' ? error.code : null;
}

function isUnavailable(code: string): boolean {
  if (SOCKET_UNAVAILABLE.has(code)) return true;
  // SQLite: another process holds the lock past busy_timeout, or the file cannot be used.
  if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY)/.test(code)) return true;
  // SQLSTATE classes 08 (connection), 53 (insufficient resources), 57P (shut down), and the
  // two transaction failures a retry resolves (40001 serialization, 40P01 deadlock).
  return /^(08...|53...|57P0.|40001|40P01)$/.test(code);
}

/**
 * The {@link StoreError} a driver error stands for, or the error itself when it is not one
 * callers handle (a bug: it should surface as it is). `what` names the row for the message.
 */
export function toStoreError(error: unknown, what: string): unknown {
  if (error instanceof StoreError) return error;
  const code = codeOf(error);
  if (code === null) return error;
  if (SQLITE_CONFLICT.has(code) || code === PG_UNIQUE_VIOLATION) {
    return new StoreError('ERR_STORE_CONFLICT', `${what} already exists`, { cause: error });
  }
  if (isUnavailable(code)) {
    return new StoreError('ERR_STORE_UNAVAILABLE', 'the database is unavailable or busy', {
      cause: error,
    });
  }
  return error;
}
