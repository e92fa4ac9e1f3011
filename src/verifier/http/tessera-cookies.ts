/**
 * The cookies of Tessera's browser mode (docs/verifier.md, "Cookie sessions"). The `__Host-`
 * prefix (RFC 6265bis §4.1.3.2) makes a browser accept them only with `Secure`, `Path=/` and no
 * `Domain`: host-only, so no sibling subdomain can set or shadow them.
 */
export const TESSERA_COOKIES = Object.freeze({
  /** The access token (JWT) of a cookie session. */
  access: '__Host-tessera-access',
  /** The opaque refresh token of a cookie session. */
  refresh: '__Host-tessera-refresh',
  /** The session's CSRF token, which same-origin script copies into `X-CSRF-Token`. */
  csrf: '__Host-tessera-csrf',
  /** The token-sidecar fingerprint whose SHA-256 a bearer token carries as `fgp`. */
  fingerprint: '__Host-tessera-fgp',
});

/** Which of {@link TESSERA_COOKIES}. */
export type TesseraCookieName = keyof typeof TESSERA_COOKIES;

/** Every cookie of ours starts with this; the gateway never forwards one upstream. */
export const TESSERA_COOKIE_PREFIX = '__Host-tessera-';
