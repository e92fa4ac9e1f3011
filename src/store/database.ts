import type { ColumnType } from 'kysely';

// The tables as Kysely sees them. One definition serves SQLite and PostgreSQL, so the column
// types are the ones both agree on: times are integer milliseconds in `bigint` columns
// (PostgreSQL `integer` is 32-bit and would overflow in 1970 + 24 days), booleans are 0/1
// integers, lists are space-separated text and structured details are JSON text.

/**
 * Milliseconds since the epoch in a `bigint` column. Reads are typed `number | string`
 * because node-postgres returns int8 as a string (it may exceed 2^53); the row mappers turn
 * every read into a number.
 */
export type MillisColumn = ColumnType<number | string, number, number>;

/** {@link MillisColumn} that may be null. */
export type NullableMillisColumn = ColumnType<number | string | null, number | null, number | null>;

/** An id the database assigns (SQLite autoincrement, PostgreSQL identity); never written. */
export type GeneratedIdColumn = ColumnType<number | string, never, never>;

/** `users`: accounts that can log in. */
export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  /** 1 when disabled, else 0. */
  disabled: number;
  created_at: MillisColumn;
  password_changed_at: MillisColumn;
}

/** `clients`: OAuth clients. */
export interface ClientsTable {
  client_id: string;
  secret_hash: string | null;
  /** Scope tokens separated by single spaces (RFC 6749 §3.3 forbids spaces inside one). */
  scopes: string;
  created_at: MillisColumn;
}

/** `sessions`: one login on one device. */
export interface SessionsTable {
  id: string;
  user_id: string;
  client_id: string;
  user_agent: string | null;
  ip: string | null;
  scope: string;
  created_at: MillisColumn;
  last_used_at: MillisColumn;
  idle_expires_at: MillisColumn;
  absolute_expires_at: MillisColumn;
  ended_at: NullableMillisColumn;
  end_reason: string | null;
  /** RFC 7638 thumbprint of the DPoP key the session's refresh tokens are bound to, or null. */
  dpop_jkt: string | null;
  /** `cookie`, `fingerprint` or null: see `BrowserBinding` in records.ts. */
  browser_binding: string | null;
}

/** `refresh_tokens`: SHA-256 hashes of refresh tokens, one chain per session. */
export interface RefreshTokensTable {
  hash: string;
  session_id: string;
  parent_hash: string | null;
  created_at: MillisColumn;
  expires_at: MillisColumn;
  spent_at: NullableMillisColumn;
  successor_sealed: string | null;
}

/** `signing_keys`: the key ring, private JWKs sealed with the master key. */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk_sealed: string;
  state: string;
  created_at: MillisColumn;
  activates_at: NullableMillisColumn;
  retires_at: NullableMillisColumn;
}

/** `revocations`: the revocation log; `id` is the cursor verifiers follow. */
export interface RevocationsTable {
  id: GeneratedIdColumn;
  kind: string;
  value: string;
  at: MillisColumn;
  expires_at: MillisColumn;
}

/** `audit_log`: append-only record of security-relevant events. */
export interface AuditLogTable {
  id: GeneratedIdColumn;
  at: MillisColumn;
  type: string;
  user_id: string | null;
  session_id: string | null;
  client_id: string | null;
  ip: string | null;
  /** JSON object of string, number, boolean and null values. */
  detail: string;
}

/** Every table of the store, keyed by its SQL name. */
export interface Database {
  users: UsersTable;
  clients: ClientsTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  signing_keys: SigningKeysTable;
  revocations: RevocationsTable;
  audit_log: AuditLogTable;
}

/** The SQL dialects the store runs on; the few places they differ branch on this. */
export type SqlDialectName = 'sqlite' | 'postgres';
