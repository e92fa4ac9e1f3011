// The finding types live here, not in inspect-token.ts, so that the helpers that build
// findings need not import the module that imports them; inspect-token.ts re-exports them.

/**
 * How much a finding matters: `high` means forgeable or leaking, `low` is information.
 *
 * @example
 * const worst: FindingSeverity = findings[0]?.severity ?? 'low';
 */
export type FindingSeverity = 'high' | 'medium' | 'low';

/**
 * Stable codes of {@link Finding}: never renamed, never reused.
 *
 * @example
 * const forgeable = findings.some((f) => f.code === ('ALG_NONE' satisfies FindingCode));
 */
export type FindingCode =
  | 'TOO_LARGE'
  | 'MALFORMED'
  | 'CLAIMS_NOT_OBJECT'
  | 'ALG_NONE'
  | 'ALG_UNKNOWN'
  | 'ALG_UNSUPPORTED'
  | 'ALG_HMAC'
  | 'SIGNATURE_MISSING'
  | 'KEY_IN_HEADER'
  | 'CRIT_HEADER'
  | 'KID_SUSPICIOUS'
  | 'TYP_MISSING'
  | 'TYP_UNEXPECTED'
  | 'EXP_MISSING'
  | 'TIME_INVALID'
  | 'LIFETIME_LONG'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'ISSUED_IN_FUTURE'
  | 'AUD_MISSING'
  | 'ISS_MISSING'
  | 'SENSITIVE_CLAIM'
  | 'PERSONAL_DATA_CLAIM'
  | 'CARD_NUMBER_VALUE'
  | 'EMAIL_VALUE'
  | 'SCAN_INCOMPLETE';

/**
 * One pitfall found in a token. `message` names claims by path but never shows their values.
 *
 * @example
 * { code: 'ALG_NONE', severity: 'high', message: 'alg is "none": the token is unsigned ...' }
 */
export interface Finding {
  readonly code: FindingCode;
  readonly severity: FindingSeverity;
  readonly message: string;
}

/**
 * A {@link Finding} of `inspectToken`.
 *
 * @example
 * finding('ALG_NONE', 'high', 'alg is "none": the token is unsigned');
 */
export function finding(code: FindingCode, severity: FindingSeverity, message: string): Finding {
  return { code, severity, message };
}
