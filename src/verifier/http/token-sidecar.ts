import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The OWASP token sidecar check: true when `fingerprint` (the `__Host-tessera-fgp` cookie)
 * hashes to `fgp` (the token's claim): `base64url(SHA-256(fingerprint)) === fgp`, compared in
 * constant time. A token stolen by script is then useless without the HttpOnly cookie, which
 * script cannot read and another browser does not have.
 *
 * False for a missing cookie and for a claim that is not a non-empty string.
 *
 * @example
 * if (!fingerprintMatches(claims['fgp'], cookies.fingerprint)) refuse();
 */
export function fingerprintMatches(fgp: unknown, fingerprint: string | undefined): boolean {
  return typeof fgp === 'string' && fgp !== '' && fingerprint !== undefined
    ? hashMatches(fingerprint, fgp)
    : false;
}

/**
 * True when `base64url(SHA-256(value))` equals `expected`, compared with `timingSafeEqual`
 * (lengths first: it throws on different lengths, and the length of a hash is no secret).
 *
 * @example
 * hashMatches(csrfHeader, claims.csh);
 */
export function hashMatches(value: string, expected: string): boolean {
  const actual = createHash('sha256').update(value, 'utf8').digest();
  const wanted = Buffer.from(expected, 'utf8');
  const encoded = Buffer.from(actual.toString('base64url'), 'utf8');
  return encoded.length === wanted.length && timingSafeEqual(encoded, wanted);
}
