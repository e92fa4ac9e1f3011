import { userInfo } from 'node:os';

/** Where a PostgreSQL URL points, for messages: never the password. */
export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/** A `postgres://` URL ready for node-postgres, and where it points. */
export interface ResolvedPostgresUrl {
  /** The URL to connect with; holds the password, so never print it. */
  readonly connectionString: string;
  readonly target: PostgresTarget;
}

/** The OS account name, as libpq uses it; null where the platform has none. */
function osUserName(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

/**
 * Read a `postgres://` or `postgresql://` URL. With no user name in the URL, node-postgres
 * falls back to `PGUSER`, then `USER`, and sends no user at all when both are unset (as in
 * many containers); libpq, and so psql, use the OS account instead. We do the same, so a URL
 * that works with psql works here.
 *
 * @throws TypeError when the text is not a URL (the message does not repeat it: it may
 *   hold a password).
 */
export function resolvePostgresUrl(
  url: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedPostgresUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('the PostgreSQL URL is not a valid URL (postgres://user@host:port/db)');
  }
  const fromEnv = env['PGUSER'] ?? env['USER'];
  if (parsed.username === '' && (fromEnv === undefined || fromEnv === '')) {
    const name = osUserName();
    if (name !== null) parsed.username = encodeURIComponent(name);
  }
  const user = decodeURIComponent(parsed.username) || fromEnv || '';
  // libpq reads a Unix socket directory from ?host= when the URL names no host.
  const host =
    parsed.hostname === '' ? (parsed.searchParams.get('host') ?? 'localhost') : parsed.hostname;
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  return {
    connectionString: parsed.toString(),
    target: { host, port: parsed.port === '' ? 5432 : Number(parsed.port), database, user },
  };
}

/** `host:port`, with an IPv6 address in brackets. */
export function describeAddress(target: PostgresTarget): string {
  const host =
    target.host.includes(':') && !target.host.startsWith('[') ? `[${target.host}]` : target.host;
  return `${host}:${target.port}`;
}
