import { finding, type Finding } from './finding.js';
import { formatDuration, formatRelativeTime } from './relative-time.js';

/** Lifetimes above this are `LIFETIME_LONG`; Tessera's own default is 15 minutes. */
const MAX_LIFETIME_SECONDS = 3_600;

/**
 * Findings about the registered claims: `exp`, `nbf`, `iat` (present, well-formed, current,
 * not too far apart), `aud` and `iss`.
 *
 * @param now The inspection time in seconds since the epoch.
 * @example
 * checkClaims({ iss: 'https://auth.example.com', aud: 'api' }, Date.now() / 1000); // [EXP_MISSING]
 */
export function checkClaims(claims: Readonly<Record<string, unknown>>, now: number): Finding[] {
  const findings: Finding[] = [];
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    if (claims[name] !== undefined && !isNumericDate(claims[name])) {
      findings.push(
        finding(
          'TIME_INVALID',
          'medium',
          `${name} is not a NumericDate (non-negative seconds since the epoch, RFC 7519 §2)`,
        ),
      );
    }
  }
  const { exp, nbf, iat } = claims;
  if (exp === undefined) {
    findings.push(
      finding(
        'EXP_MISSING',
        'high',
        'the token has no exp: it never expires, so a stolen copy works forever (RFC 7519 §4.1.4)',
      ),
    );
  } else if (isNumericDate(exp)) {
    if (now >= exp) {
      findings.push(
        finding('EXPIRED', 'low', `the token expired ${formatRelativeTime(exp - now)}`),
      );
    }
    const from = isNumericDate(iat) ? 'iat' : 'nbf';
    const start = claims[from];
    if (isNumericDate(start) && exp - start > MAX_LIFETIME_SECONDS) {
      findings.push(
        finding(
          'LIFETIME_LONG',
          'medium',
          `the token lives ${formatDuration(exp - start)} (${from} to exp); access tokens ` +
            'should live minutes (Tessera defaults to 15 min) so a stolen one is soon worthless',
        ),
      );
    }
  }
  if (isNumericDate(nbf) && nbf > now) {
    findings.push(
      finding(
        'NOT_YET_VALID',
        'low',
        `the token is not valid yet (nbf ${formatRelativeTime(nbf - now)})`,
      ),
    );
  }
  if (isNumericDate(iat) && iat > now) {
    findings.push(
      finding('ISSUED_IN_FUTURE', 'low', `iat is in the future (${formatRelativeTime(iat - now)})`),
    );
  }
  if (isBlank(claims['aud'])) {
    findings.push(
      finding(
        'AUD_MISSING',
        'medium',
        'the token has no aud: every service that trusts the issuer accepts it, so a token ' +
          'meant for one API works at all of them (RFC 8725 §3.9)',
      ),
    );
  }
  if (isBlank(claims['iss'])) {
    findings.push(
      finding(
        'ISS_MISSING',
        'medium',
        'the token has no iss: a verifier cannot tell whose keys and rules apply (RFC 8725 §3.8)',
      ),
    );
  }
  return findings;
}

/**
 * RFC 7519 §2 as the verifier reads it: a finite, non-negative number of seconds.
 *
 * @example
 * isNumericDate(1_700_000_000); // true
 */
export function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isBlank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0)
  );
}
