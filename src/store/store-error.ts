/**
 * Codes of the `store` part. Stable: never renamed, never reused.
 * - `ERR_STORE_CONFLICT`: the row already exists (a username, client id, session id or kid).
 * - `ERR_STORE_UNAVAILABLE`: the database cannot be reached or is busy; retrying may help.
 */
export type StoreErrorCode = 'ERR_STORE_CONFLICT' | 'ERR_STORE_UNAVAILABLE';

/**
 * A store operation failed in a way callers handle: a duplicate, or a database that is
 * down or busy. Any other database error is a bug and surfaces unchanged. The driver's error
 * is the `cause`; messages never hold a secret.
 *
 * @example
 * try {
 *   await store.createUser(user, audit);
 * } catch (error) {
 *   if (error instanceof StoreError && error.code === 'ERR_STORE_CONFLICT') return 'taken';
 *   throw error;
 * }
 */
export class StoreError extends Error {
  override name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
