import type { Insertable, Selectable } from 'kysely';
import {
  isRevocationKind,
  type LoggedRevocationEvent,
  type RevocationEvent,
} from '../../revocation/revocation-event.js';
import { isAlgorithm } from '../../token/algorithms.js';
import type {
  AuditLogTable,
  ClientsTable,
  RefreshTokensTable,
  RevocationsTable,
  SessionsTable,
  SigningKeysTable,
  UsersTable,
} from '../database.js';
import type {
  AuditRecord,
  ClientRecord,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  SigningKeyState,
  UserRecord,
} from '../records.js';
import { isBrowserBinding } from '../records.js';

// Records ⇄ rows. Reads check what the schema cannot (an algorithm name, a JSON detail), so
// a damaged row fails loudly here rather than as a wrong decision later.

/** A `bigint` column as a number (node-postgres returns int8 as a string). */
export function toMillis(value: number | string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new Error(`store holds a bad integer: ${value}`);
  return number;
}

function toNullableMillis(value: number | string | null): number | null {
  return value === null ? null : toMillis(value);
}

export function toUserRow(user: UserRecord): Insertable<UsersTable> {
  return {
    id: user.id,
    username: user.username,
    password_hash: user.passwordHash,
    disabled: user.disabled ? 1 : 0,
    created_at: user.createdAt,
    password_changed_at: user.passwordChangedAt,
  };
}

export function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    disabled: row.disabled !== 0,
    createdAt: toMillis(row.created_at),
    passwordChangedAt: toMillis(row.password_changed_at),
  };
}

export function toClientRow(client: ClientRecord): Insertable<ClientsTable> {
  // RFC 6749 §3.3: a scope token has no spaces, so a space can separate them.
  for (const scope of client.scopes) {
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
      throw new TypeError(`client scope ${JSON.stringify(scope)} is not an RFC 6749 scope token`);
    }
  }
  return {
    client_id: client.clientId,
    secret_hash: client.secretHash,
    scopes: client.scopes.join(' '),
    created_at: client.createdAt,
  };
}

export function toClient(row: Selectable<ClientsTable>): ClientRecord {
  return {
    clientId: row.client_id,
    secretHash: row.secret_hash,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    createdAt: toMillis(row.created_at),
  };
}

export function toSessionRow(session: SessionRecord): Insertable<SessionsTable> {
  return {
    id: session.id,
    user_id: session.userId,
    client_id: session.clientId,
    user_agent: session.userAgent,
    ip: session.ip,
    scope: session.scope,
    created_at: session.createdAt,
    last_used_at: session.lastUsedAt,
    idle_expires_at: session.idleExpiresAt,
    absolute_expires_at: session.absoluteExpiresAt,
    ended_at: session.endedAt,
    end_reason: session.endReason,
    dpop_jkt: session.dpopJkt,
    browser_binding: session.browserBinding ?? null,
  };
}

export function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    clientId: row.client_id,
    userAgent: row.user_agent,
    ip: row.ip,
    scope: row.scope,
    createdAt: toMillis(row.created_at),
    lastUsedAt: toMillis(row.last_used_at),
    idleExpiresAt: toMillis(row.idle_expires_at),
    absoluteExpiresAt: toMillis(row.absolute_expires_at),
    endedAt: toNullableMillis(row.ended_at),
    endReason: row.end_reason,
    dpopJkt: row.dpop_jkt,
    ...browserBindingOf(row),
  };
}

function browserBindingOf(row: Selectable<SessionsTable>): Pick<SessionRecord, 'browserBinding'> {
  const value = row.browser_binding;
  if (value === null) return {};
  if (!isBrowserBinding(value)) throw new Error(`session ${row.id} has an unknown browser binding`);
  return { browserBinding: value };
}

export function toRefreshTokenRow(token: RefreshTokenRecord): Insertable<RefreshTokensTable> {
  return {
    hash: token.hash,
    session_id: token.sessionId,
    parent_hash: token.parentHash,
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    spent_at: token.spentAt,
    successor_sealed: token.successorSealed,
  };
}

export function toRefreshToken(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    hash: row.hash,
    sessionId: row.session_id,
    parentHash: row.parent_hash,
    createdAt: toMillis(row.created_at),
    expiresAt: toMillis(row.expires_at),
    spentAt: toNullableMillis(row.spent_at),
    successorSealed: row.successor_sealed,
  };
}

function isKeyState(value: string): value is SigningKeyState {
  return value === 'pending' || value === 'active' || value === 'retiring';
}

export function toSigningKeyRow(key: SigningKeyRecord): Insertable<SigningKeysTable> {
  return {
    kid: key.kid,
    alg: key.alg,
    private_jwk_sealed: key.privateJwkSealed,
    state: key.state,
    created_at: key.createdAt,
    activates_at: key.activatesAt,
    retires_at: key.retiresAt,
  };
}

export function toSigningKey(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  const { alg } = row;
  if (!isAlgorithm(alg)) throw new Error(`signing key ${row.kid} has an unknown alg`);
  const { state } = row;
  if (!isKeyState(state)) throw new Error(`signing key ${row.kid} has an unknown state`);
  return {
    kid: row.kid,
    alg,
    privateJwkSealed: row.private_jwk_sealed,
    state,
    createdAt: toMillis(row.created_at),
    activatesAt: toNullableMillis(row.activates_at),
    retiresAt: toNullableMillis(row.retires_at),
  };
}

export function toRevocationRow(event: RevocationEvent): Insertable<RevocationsTable> {
  return { kind: event.kind, value: event.value, at: event.at, expires_at: event.expiresAt };
}

export function toRevocation(row: Selectable<RevocationsTable>): LoggedRevocationEvent {
  if (!isRevocationKind(row.kind)) throw new Error(`revocation ${row.id} has an unknown kind`);
  return {
    id: toMillis(row.id), // a bigint id, read like a time
    kind: row.kind,
    value: row.value,
    at: toMillis(row.at),
    expiresAt: toMillis(row.expires_at),
  };
}

export function toAuditRow(audit: AuditRecord): Insertable<AuditLogTable> {
  return {
    at: audit.at,
    type: audit.type,
    user_id: audit.userId,
    session_id: audit.sessionId,
    client_id: audit.clientId,
    ip: audit.ip,
    detail: JSON.stringify(audit.detail),
  };
}

type DetailValue = string | number | boolean | null;

function isDetailValue(value: unknown): value is DetailValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  );
}

function parseDetail(text: string): Record<string, DetailValue> {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('audit detail is not a JSON object');
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  const scalars = entries.filter((entry): entry is [string, DetailValue] =>
    isDetailValue(entry[1]),
  );
  if (scalars.length !== entries.length) throw new Error('audit detail holds a non-scalar value');
  // fromEntries defines own properties, so a "__proto__" key stays data, not a prototype.
  return Object.fromEntries(scalars);
}

export function toAudit(row: Selectable<AuditLogTable>): AuditRecord {
  return {
    at: toMillis(row.at),
    type: row.type,
    userId: row.user_id,
    sessionId: row.session_id,
    clientId: row.client_id,
    ip: row.ip,
    detail: parseDetail(row.detail),
  };
}
