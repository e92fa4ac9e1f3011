import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { BrowserBinding } from '../store/records.js';

/**
 * The two keys behind browser bindings, derived from the master key so that every process of a
 * deployment computes the same values and nothing extra is stored: `csrfKey` makes a session's
 * CSRF token, `fgpKey` its token-sidecar fingerprint (docs/browser.md).
 */
export interface BrowserBindingKeys {
  readonly csrfKey: Buffer;
  readonly fgpKey: Buffer;
}

/**
 * Derive the browser-binding keys from the master key with HKDF-SHA256 (RFC 5869), one `info`
 * per purpose, so neither key says anything about the other or about the master key.
 *
 * @throws TypeError when the master key is not 32 bytes.
 * @example
 * const keys = deriveBrowserBindingKeys(masterKey.key);
 */
export function deriveBrowserBindingKeys(masterKey: Buffer): BrowserBindingKeys {
  if (masterKey.length !== 32) throw new TypeError('the master key must be 32 bytes');
  const derive = (info: string): Buffer =>
    Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
  return Object.freeze({ csrfKey: derive('tessera csrf v1'), fgpKey: derive('tessera fgp v1') });
}

/**
 * The CSRF token of a session: base64url(HMAC-SHA256(csrfKey, sid)), 43 characters. The same
 * for the session's whole life, and never stored: anyone holding the key recomputes it.
 *
 * @example
 * const csrf = csrfTokenOf(keys, sessionId);
 */
export function csrfTokenOf(keys: BrowserBindingKeys, sessionId: string): string {
  return createHmac('sha256', keys.csrfKey).update(sessionId).digest('base64url');
}

/**
 * The token-sidecar fingerprint of a session: base64url(HMAC-SHA256(fgpKey, sid)).
 *
 * @example
 * const fingerprint = fingerprintOf(keys, sessionId);
 */
export function fingerprintOf(keys: BrowserBindingKeys, sessionId: string): string {
  return createHmac('sha256', keys.fgpKey).update(sessionId).digest('base64url');
}

/**
 * base64url(SHA-256(value)): the form in which a token carries its CSRF token (`csh`) or
 * fingerprint (`fgp`), so reading the token reveals neither.
 *
 * @example
 * const csh = sha256Base64url(csrfTokenOf(keys, sid));
 */
export function sha256Base64url(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * True when `presented` hashes to `expectedHash` (a `csh` or `fgp` claim), compared in
 * constant time; lengths are checked first, as `timingSafeEqual` requires.
 *
 * @example
 * if (!matchesHash(request.headers['x-csrf-token'], claims.csh)) refuse();
 */
export function matchesHash(presented: unknown, expectedHash: unknown): boolean {
  if (typeof presented !== 'string' || typeof expectedHash !== 'string') return false;
  const actual = Buffer.from(sha256Base64url(presented));
  const expected = Buffer.from(expectedHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * The claims an access token of a session with `binding` carries: `csh` for cookie mode,
 * `fgp` for the token sidecar, none otherwise.
 *
 * @example
 * const extra = bindingClaims(keys, session.id, session.browserBinding);
 */
export function bindingClaims(
  keys: BrowserBindingKeys,
  sessionId: string,
  binding: BrowserBinding | undefined,
): Record<string, string> {
  if (binding === 'cookie') return { csh: sha256Base64url(csrfTokenOf(keys, sessionId)) };
  if (binding === 'fingerprint') return { fgp: sha256Base64url(fingerprintOf(keys, sessionId)) };
  return {};
}
