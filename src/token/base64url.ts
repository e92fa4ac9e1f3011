/**
 * Strict base64url (RFC 7515 §2 and RFC 4648 §5): the URL-safe alphabet only, no padding,
 * no whitespace, and canonical final characters. `Buffer.from(s, 'base64url')` accepts all
 * of those and silently drops what it does not understand, so every segment is checked here
 * before it is decoded.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Value of each base64url character, or -1 for any other code unit. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/**
 * True when `s[start, end)` is canonical unpadded base64url: only alphabet characters, a
 * length that is not 1 mod 4, and zero bits in the unused low bits of the last character
 * (otherwise several strings decode to the same bytes, which makes signatures malleable).
 */
export function isBase64UrlSegment(s: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0) return false;
  const rest = length & 3;
  if (rest === 1) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || VALUE[c] === -1) return false;
  }
  if (rest === 0) return true;
  const last = VALUE[s.charCodeAt(end - 1)] ?? -1;
  // 2 trailing characters carry 8 bits (4 unused); 3 carry 16 bits (2 unused).
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

/**
 * The tail rules of {@link isBase64UrlSegment} alone, for a segment whose characters are
 * already known to be in the alphabet (the verifier checks the whole token with one regex).
 */
export function hasCanonicalTail(s: string, start: number, end: number): boolean {
  const rest = (end - start) & 3;
  if (rest === 0) return end > start;
  if (rest === 1) return false;
  const last = VALUE[s.charCodeAt(end - 1)] ?? -1;
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

/** Decode a base64url string that the caller has already checked. */
export function decodeBase64Url(s: string): Buffer {
  return Buffer.from(s, 'base64url');
}

/** Encode bytes or a UTF-8 string as unpadded base64url. */
export function encodeBase64Url(data: Uint8Array | string): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)).toString(
    'base64url',
  );
}
