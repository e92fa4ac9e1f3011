import { encodeBase64Url } from '../../token/base64url.js';

/** A JSON object as decoded from a token segment. */
export type JsonObject = Record<string, unknown>;

/** The valid token, split and decoded once; every attack starts from it. */
export interface JwsParts {
  readonly header: JsonObject;
  readonly payload: JsonObject;
  readonly headerSegment: string;
  readonly payloadSegment: string;
  readonly signatureSegment: string;
  /** Length of the whole token, for the report (which never prints the token). */
  readonly length: number;
}

/**
 * Split a compact JWS (RFC 7515 §7.1) without verifying it. Only the shape is checked: the
 * attacks need the header's `alg` and `kid` and a JSON payload to tamper with.
 *
 * @throws TypeError when the token is not three base64url segments of JSON objects.
 * @example
 * const parts = parseJwsParts(token);
 * parts.header.alg; // 'EdDSA'
 */
export function parseJwsParts(token: string): JwsParts {
  const segments = token.split('.');
  const [headerSegment, payloadSegment, signatureSegment] = segments;
  if (
    segments.length !== 3 ||
    headerSegment === undefined ||
    payloadSegment === undefined ||
    signatureSegment === undefined ||
    !segments.every((segment) => /^[A-Za-z0-9_-]*$/.test(segment))
  ) {
    throw new TypeError('--token must be a compact JWS: three base64url segments');
  }
  const header = decodeObject(headerSegment);
  const payload = decodeObject(payloadSegment);
  if (header === null || payload === null || typeof header['alg'] !== 'string') {
    throw new TypeError('--token must have a JSON header with an alg and a JSON object payload');
  }
  return {
    header,
    payload,
    headerSegment,
    payloadSegment,
    signatureSegment,
    length: token.length,
  };
}

function decodeObject(segment: string): JsonObject | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as JsonObject)
      : null;
  } catch {
    return null;
  }
}

/** A JSON value (or a raw JSON text) as a base64url segment. */
export function encodeSegment(value: JsonObject | string): string {
  return encodeBase64Url(typeof value === 'string' ? value : JSON.stringify(value));
}

/** The JWS signing input of two encoded segments. */
export function signingInputOf(headerSegment: string, payloadSegment: string): Buffer {
  return Buffer.from(`${headerSegment}.${payloadSegment}`, 'latin1');
}

/** A short, safe description of the valid token: its algorithm and length, never its text. */
export function describeValidToken(parts: JwsParts): string {
  const kid = typeof parts.header['kid'] === 'string' ? `, kid ${parts.header['kid']}` : '';
  return `alg ${String(parts.header['alg'])}${kid}, ${parts.length} characters`;
}
