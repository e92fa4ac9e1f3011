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

/**
 * The store was handed text the database cannot hold: PostgreSQL's `text` refuses the NUL
 * character (SQLSTATE 22021, character_not_in_repertoire) and `jsonb` its `\u0000` escape
 * (22P05, untranslatable_character). Nothing is wrong with the database; the caller passed
 * input it should have refused, so this is a `TypeError` (see src/token/errors.ts: caller
 * mistakes are TypeErrors), and a server answers it as the client's mistake (400).
 *
 * @example
 * try {
 *   await store.findUserByUsername(name);
 * } catch (error) {
 *   if (error instanceof StoreInputError) return 'no such user';
 *   throw error;
 * }
 */
export class StoreInputError extends TypeError {
  override name = 'StoreInputError';
}
