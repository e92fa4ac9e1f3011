import { decodeBase64Url, isBase64UrlSegment } from './base64url.js';
import { checkClaims, isNumericDate } from './internal/check-claims.js';
import { checkHeader } from './internal/check-header.js';
import { finding, type Finding, type FindingSeverity } from './internal/finding.js';
import { formatRelativeTime } from './internal/relative-time.js';
import { scanClaims } from './internal/scan-claims.js';

export type { Finding, FindingCode, FindingSeverity } from './internal/finding.js';

/**
 * A NumericDate claim in three forms.
 *
 * @example
 * { seconds: 1735732800, iso: '2025-01-01T12:00:00.000Z', relative: 'in 14 min' }
 */
export interface TokenTime {
  /** Seconds since the Unix epoch, as in the token. */
  readonly seconds: number;
  /** ISO 8601 form, or null when the value is beyond what a `Date` can hold. */
  readonly iso: string | null;
  /** Relative to the inspection time: `in 14 min`, `3 h ago`. */
  readonly relative: string;
}

/**
 * What {@link inspectToken} found. Nothing in it has been verified.
 *
 * @example
 * const { header, times, findings } = inspectToken(token);
 * if (header?.['alg'] === 'HS256') console.log(times.exp?.relative, findings.length);
 */
export interface TokenInspection {
  /** The decoded JOSE header, or null when the token is malformed. */
  readonly header: Readonly<Record<string, unknown>> | null;
  /** The decoded claims, or null when the token is malformed or its payload is not an object. */
  readonly claims: Readonly<Record<string, unknown>> | null;
  /** `iat`, `nbf` and `exp`, each null when absent or not a valid NumericDate. */
  readonly times: {
    readonly iat: TokenTime | null;
    readonly nbf: TokenTime | null;
    readonly exp: TokenTime | null;
  };
  /** Findings, most severe first. Empty for a token that follows every rule checked. */
  readonly findings: readonly Finding[];
}

/**
 * Options of {@link inspectToken}.
 *
 * @example
 * inspectToken(token, { now: Date.parse('2025-01-01T00:00:00Z') });
 */
export interface InspectTokenOptions {
  /** The time to judge `exp`, `nbf` and `iat` against, in ms since the epoch; default now. */
  readonly now?: number;
}

/**
 * Longer tokens are reported as `TOO_LARGE` and not decoded (the verifier's own ceiling).
 *
 * @example
 * if (token.length > MAX_INSPECTED_TOKEN_LENGTH) console.log('too large to inspect');
 */
export const MAX_INSPECTED_TOKEN_LENGTH = 65_536;

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const SEVERITY_RANK: Readonly<Record<FindingSeverity, number>> = { high: 0, medium: 1, low: 2 };

/**
 * Decode a compact JWS (a JWT) WITHOUT verifying its signature, and list the pitfalls it
 * shows: dangerous algorithms, keys in the header, missing or loose claims, odd `kid`
 * values, and claims that look like secrets or personal data. For debugging and linting
 * tokens; never base an access decision on what this returns.
 *
 * Never throws for any `token`: a token that cannot be decoded yields a `MALFORMED` or
 * `TOO_LARGE` finding and null `header` and `claims`. Work is bounded by the token size.
 *
 * @throws TypeError when `options.now` is not a finite number (a caller mistake).
 * @example
 * const { claims, findings } = inspectToken(token);
 * for (const f of findings) console.log(f.severity, f.code, f.message);
 */
export function inspectToken(token: string, options: InspectTokenOptions = {}): TokenInspection {
  const nowMs = options.now ?? Date.now();
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
    throw new TypeError('now must be a finite number of milliseconds');
  }
  const now = nowMs / 1000;
  if (typeof token !== 'string') return failure('MALFORMED', 'the token is not a string');
  // Size first, before any decoding work.
  if (token.length > MAX_INSPECTED_TOKEN_LENGTH) {
    return failure(
      'TOO_LARGE',
      `the token is longer than ${MAX_INSPECTED_TOKEN_LENGTH} characters and was not decoded`,
    );
  }
  const segments = token.split('.');
  const [headerSegment, payloadSegment, signatureSegment] = segments;
  if (
    segments.length !== 3 ||
    headerSegment === undefined ||
    payloadSegment === undefined ||
    signatureSegment === undefined
  ) {
    return failure(
      'MALFORMED',
      segments.length === 5
        ? 'the token has 5 segments: it is a JWE (encrypted), which cannot be inspected'
        : `the token has ${segments.length} segment(s); a JWS has exactly 3`,
    );
  }
  if (
    !isBase64UrlSegment(headerSegment, 0, headerSegment.length) ||
    !isBase64UrlSegment(payloadSegment, 0, payloadSegment.length) ||
    // An unsecured JWS (RFC 7515 §A.5) has an empty signature; report it, do not refuse it.
    (signatureSegment !== '' && !isBase64UrlSegment(signatureSegment, 0, signatureSegment.length))
  ) {
    return failure('MALFORMED', 'the token segments are not canonical unpadded base64url');
  }
  const header = parseJsonObject(headerSegment);
  if (header === null) return failure('MALFORMED', 'the header is not a UTF-8 JSON object');
  const claims = parseJsonObject(payloadSegment);

  const findings = checkHeader(header, signatureSegment === '');
  if (claims === null) {
    findings.push(
      finding('CLAIMS_NOT_OBJECT', 'high', 'the payload is not a JSON object, so not a JWT'),
    );
  } else {
    findings.push(...checkClaims(claims, now), ...scanClaims(claims));
  }
  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  return { header, claims, times: readTimes(claims, now), findings };
}

function readTimes(
  claims: Readonly<Record<string, unknown>> | null,
  now: number,
): TokenInspection['times'] {
  const read = (value: unknown): TokenTime | null => {
    if (!isNumericDate(value)) return null;
    const date = new Date(value * 1000);
    return {
      seconds: value,
      iso: Number.isNaN(date.getTime()) ? null : date.toISOString(),
      relative: formatRelativeTime(value - now),
    };
  };
  return { iat: read(claims?.['iat']), nbf: read(claims?.['nbf']), exp: read(claims?.['exp']) };
}

function parseJsonObject(segment: string): Readonly<Record<string, unknown>> | null {
  try {
    const value: unknown = JSON.parse(UTF8.decode(decodeBase64Url(segment)));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function failure(code: 'MALFORMED' | 'TOO_LARGE', message: string): TokenInspection {
  return {
    header: null,
    claims: null,
    times: { iat: null, nbf: null, exp: null },
    findings: [finding(code, 'high', message)],
  };
}
