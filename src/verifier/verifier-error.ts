import { TesseraError, type VerifierErrorCode } from '../token/errors.js';

export type { VerifierErrorCode };

/** A verifier could not be built, or one of its sources (JWKS, revocations) failed. */
export class VerifierError extends TesseraError {
  override name = 'VerifierError';
  declare readonly code: VerifierErrorCode;
  /** For `ERR_VERIFIER_OPTIONS_INVALID`: the option at fault (`'issuer'`, `'revocations'`, …). */
  readonly option: string | undefined;

  constructor(code: VerifierErrorCode, message: string, option?: string, options?: ErrorOptions) {
    super(code, message, options);
    this.option = option;
  }
}

/** True when `value` is a {@link VerifierError} with `code`. */
export function isVerifierError(value: unknown, code?: VerifierErrorCode): value is VerifierError {
  return value instanceof VerifierError && (code === undefined || value.code === code);
}
