import { TokenError } from './errors.js';
import type { JwtClaims } from './jwt-claims.js';

/** The frozen, checked form of the claim rules of a verifier. */
export interface ClaimRules {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly maxTokenAgeSeconds: number | undefined;
  readonly requiredClaims: readonly string[];
}

const STRING_CLAIMS = ['sub', 'jti', 'client_id', 'scope', 'sid'] as const;

/**
 * Check the claims of a token whose signature has already been verified.
 *
 * @throws TokenError `ERR_JWT_CLAIM_MISSING`, `ERR_JWT_CLAIM_INVALID`, `ERR_JWT_EXPIRED`,
 *   `ERR_JWT_NOT_YET_VALID`, `ERR_JWT_TOO_OLD`; `claim` names the claim at fault.
 */
export function validateClaims(value: unknown, rules: ClaimRules, nowSeconds: number): JwtClaims {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenError('ERR_JWS_MALFORMED', 'JWT claims are not a JSON object');
  }
  const claims = value as Record<string, unknown>;

  const iss = claims['iss'];
  if (iss === undefined) throw missing('iss');
  if (iss !== rules.issuer) throw invalid('iss', 'JWT issuer is not the expected issuer');

  const aud = claims['aud'];
  if (aud === undefined) throw missing('aud');
  if (!hasAudience(aud, rules.audiences)) {
    throw invalid('aud', 'JWT audience does not include the expected audience');
  }

  checkTimes(claims, rules, nowSeconds);

  for (const name of STRING_CLAIMS) {
    const claim = claims[name];
    if (claim !== undefined && typeof claim !== 'string')
      throw invalid(name, `JWT ${name} must be a string`);
  }
  for (const name of rules.requiredClaims) {
    if (claims[name] === undefined) throw missing(name);
  }
  return claims as unknown as JwtClaims;
}

/**
 * The time rules alone: `exp` required and in the future, `nbf` and `iat` not in the future,
 * and `iat` recent enough when a maximum age is set; each with the clock tolerance.
 */
export function checkTimes(
  claims: Readonly<Record<string, unknown>>,
  rules: ClaimRules,
  nowSeconds: number,
): void {
  const tolerance = rules.clockToleranceSeconds;
  const exp = claims['exp'];
  if (exp === undefined) throw missing('exp');
  if (!isNumericDate(exp)) throw invalid('exp', 'JWT exp must be a number');
  // RFC 7519 §4.1.4: the current time must be before exp.
  if (nowSeconds - tolerance >= exp)
    throw new TokenError('ERR_JWT_EXPIRED', 'JWT has expired', 'exp');

  const nbf = claims['nbf'];
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) throw invalid('nbf', 'JWT nbf must be a number');
    if (nbf > nowSeconds + tolerance) {
      throw new TokenError('ERR_JWT_NOT_YET_VALID', 'JWT is not valid yet', 'nbf');
    }
  }

  const iat = claims['iat'];
  if (iat === undefined) {
    if (rules.maxTokenAgeSeconds !== undefined) throw missing('iat');
    return;
  }
  if (!isNumericDate(iat)) throw invalid('iat', 'JWT iat must be a number');
  if (iat > nowSeconds + tolerance) throw invalid('iat', 'JWT was issued in the future');
  if (
    rules.maxTokenAgeSeconds !== undefined &&
    nowSeconds - iat > rules.maxTokenAgeSeconds + tolerance
  ) {
    throw new TokenError('ERR_JWT_TOO_OLD', 'JWT is older than the maximum token age', 'iat');
  }
}

function hasAudience(aud: unknown, expected: readonly string[]): boolean {
  if (typeof aud === 'string') return expected.includes(aud);
  if (!Array.isArray(aud)) return false;
  let found = false;
  for (const entry of aud as unknown[]) {
    // Every member must be a string (RFC 7519 §4.1.3), not only the matching one.
    if (typeof entry !== 'string') return false;
    if (!found && expected.includes(entry)) found = true;
  }
  return found;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function missing(claim: string): TokenError {
  return new TokenError('ERR_JWT_CLAIM_MISSING', `JWT has no ${claim} claim`, claim);
}

function invalid(claim: string, message: string): TokenError {
  return new TokenError('ERR_JWT_CLAIM_INVALID', message, claim);
}
