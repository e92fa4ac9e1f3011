import type { Store } from './store.js';

// URL schemes for PostgreSQL (libpq accepts both).
const POSTGRES = /^postgres(?:ql)?:\/\//i;
// A scheme has two or more letters, so a Windows path (`C:\data\tessera.db`) is a path.
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;

/** Where a store URL points: PostgreSQL, an SQLite file (its path), or a scheme of neither. */
export type StoreTarget =
  | { readonly kind: 'postgres' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'unknown'; readonly scheme: string };

/**
 * Read a store URL as {@link openStore} does, without opening anything. The SQLite path may
 * be empty (`sqlite:`); opening it is what refuses that.
 *
 * @example
 * storeTarget('sqlite:///var/lib/tessera.db'); // { kind: 'sqlite', path: '/var/lib/tessera.db' }
 */
export function storeTarget(url: string): StoreTarget {
  if (POSTGRES.test(url)) return { kind: 'postgres' };
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'sqlite', path: url };
  if (scheme !== 'sqlite') return { kind: 'unknown', scheme };
  const path = url.slice('sqlite:'.length);
  // sqlite:///var/lib/tessera.db names /var/lib/tessera.db, the way file:/// URLs do.
  return { kind: 'sqlite', path: path.startsWith('//') ? path.slice(2) : path };
}

/**
 * Open the store a URL names, migrated to the latest schema:
 * - `sqlite:<path>`, `sqlite://<path>` or a plain path: the embedded SQLite store
 *   (`sqlite::memory:` or `:memory:` for a throwaway database);
 * - `postgres://…` or `postgresql://…`: PostgreSQL, shared by several processes.
 *
 * Each driver is loaded here, on demand, so code that never opens a store (a verifier, the
 * gateway) loads neither the native SQLite module nor pg.
 *
 * @throws TypeError for an unknown URL scheme, an empty path or a malformed URL.
 * @throws StoreError `ERR_STORE_UNAVAILABLE` when the database cannot be opened or reached
 *   (the message says where and why, never a password).
 * @example
 * const store = await openStore('sqlite:.tessera/tessera.db');
 */
export async function openStore(url: string): Promise<Store> {
  const target = storeTarget(url);
  if (target.kind === 'postgres') {
    const { openPostgresStore } = await import('./postgres/open-postgres-store.js');
    return openPostgresStore({ url });
  }
  if (target.kind === 'unknown') {
    throw new TypeError(
      `unknown store URL scheme "${target.scheme}:"; use postgres://…, sqlite:<file> or a path`,
    );
  }
  if (target.path === '') throw new TypeError('the store URL names no database file');
  const { openSqliteStore } = await import('./sqlite/open-sqlite-store.js');
  return openSqliteStore({ path: target.path });
}
