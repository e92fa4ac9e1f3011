import type { Store } from './store.js';

// URL schemes for PostgreSQL (libpq accepts both).
const POSTGRES = /^postgres(?:ql)?:\/\//i;
// A scheme has two or more letters, so a Windows path (`C:\data\tessera.db`) is a path.
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;

/**
 * Open the store a URL names, migrated to the latest schema:
 * - `sqlite:<path>`, `sqlite://<path>` or a plain path: the embedded SQLite store
 *   (`sqlite::memory:` or `:memory:` for a throwaway database);
 * - `postgres://…`: not yet (arrives with the scale-out work).
 *
 * The SQLite driver is loaded here, on demand, so code that never opens a store (a
 * verifier, the gateway) never loads the native module.
 *
 * @throws TypeError for an unknown URL scheme or an empty path.
 * @throws Error for `postgres://` URLs, until PostgreSQL support lands.
 * @throws StoreError `ERR_STORE_UNAVAILABLE` when the database cannot be opened.
 * @example
 * const store = await openStore('sqlite:.tessera/tessera.db');
 */
export async function openStore(url: string): Promise<Store> {
  if (POSTGRES.test(url)) {
    throw new Error(
      'PostgreSQL support arrives with the scale-out work; use a SQLite path (sqlite:<file>) for now',
    );
  }
  let path = url;
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    path = url.slice('sqlite:'.length);
    // sqlite:///var/lib/tessera.db names /var/lib/tessera.db, the way file:/// URLs do.
    if (path.startsWith('//')) path = path.slice(2);
  } else if (scheme !== undefined) {
    throw new TypeError(`unknown store URL scheme "${scheme}:"; use sqlite:<file> or a path`);
  }
  if (path === '') throw new TypeError('the store URL names no database file');
  const { openSqliteStore } = await import('./sqlite/open-sqlite-store.js');
  return openSqliteStore({ path });
}
