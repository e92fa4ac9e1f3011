// Public API of the store part. No driver is imported here: `openStore` loads SQLite or pg
// on demand, so importing this module costs a verifier-only user neither.
export type {
  AuditLogTable,
  ClientsTable,
  Database,
  RefreshTokensTable,
  RevocationsTable,
  SessionsTable,
  SigningKeysTable,
  SqlDialectName,
  UsersTable,
} from './database.js';
export { KyselyStore, type KyselyStoreOptions } from './kysely-store.js';
export { listMigrations, migrateToLatest } from './migrations/migrate-to-latest.js';
export { openStore } from './open-store.js';
export { redactDatabaseUrl } from './redact-database-url.js';
export type {
  AuditRecord,
  BrowserBinding,
  ClientRecord,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  SigningKeyState,
  UserRecord,
} from './records.js';
export { SESSION_END_REASONS } from './session-end-reasons.js';
export { StoreError, StoreInputError, type StoreErrorCode } from './store-error.js';
export type {
  AddSigningKeyInput,
  RotateRefreshTokenInput,
  RotationOutcome,
  SessionConditions,
  SigningKeyChange,
  Store,
} from './store.js';
