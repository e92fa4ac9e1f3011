import { TesseraError, type StoreErrorCode } from '../token/errors.js';

export type { StoreErrorCode } from '../token/errors.js';

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
export class StoreError extends TesseraError {
  override name = 'StoreError';
  declare readonly code: StoreErrorCode;

  // Narrows the accepted codes to this family's.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
