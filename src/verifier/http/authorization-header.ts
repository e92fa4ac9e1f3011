/** The two schemes an access token may come with. */
export type TokenScheme = 'Bearer' | 'DPoP';

/** A token read from an `Authorization` header. */
export interface PresentedToken {
  readonly scheme: TokenScheme;
  readonly token: string;
}

/**
 * RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`, with b64token the characters
 * `A-Z a-z 0-9 - . _ ~ + /` followed by any `=`. RFC 9449 §7.1 uses the same syntax for the
 * `DPoP` scheme. Scheme names are case-insensitive (RFC 9110 §11.1).
 */
const CREDENTIALS = /^(bearer|dpop) +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Read the access token from an `Authorization` header value.
 *
 * - `null`: no header at all (RFC 6750 §3.1: the answer then names no error);
 * - `'malformed'`: a header that is not one Bearer or DPoP credential (another scheme, a
 *   repeated header, bad characters): an `invalid_request`;
 * - otherwise the scheme, in its canonical spelling, and the token.
 *
 * @example
 * parseAuthorization('Bearer eyJhbGciOi...'); // { scheme: 'Bearer', token: 'eyJhbGciOi...' }
 * parseAuthorization(undefined); // null
 */
export function parseAuthorization(
  value: string | readonly string[] | undefined | null,
): PresentedToken | 'malformed' | null {
  if (value === undefined || value === null) return null;
  // Two Authorization headers are ambiguous: which one would the upstream read?
  if (typeof value !== 'string') return 'malformed';
  const match = CREDENTIALS.exec(value);
  const scheme = match?.[1];
  const token = match?.[2];
  if (scheme === undefined || token === undefined) return 'malformed';
  return { scheme: scheme.length === 4 ? 'DPoP' : 'Bearer', token };
}
