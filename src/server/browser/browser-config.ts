/** SameSite of the access cookie (the other cookies are always Strict). */
export type CookieSameSite = 'lax' | 'strict';

/**
 * Read `--cookie-samesite`: `lax` (default: a link from another site to one of our pages
 * arrives logged in) or `strict` (it arrives logged out). `none` is not offered: it would
 * send the access cookie on every cross-site request, and the CSRF rule would be all that
 * is left.
 *
 * @throws what `fail` throws, with a message naming the setting.
 * @example
 * const sameSite = parseCookieSameSite(text('cookieSameSite', 'lax'), name, fail);
 */
export function parseCookieSameSite(
  value: string,
  name: string,
  fail: (message: string) => never,
): CookieSameSite {
  const lower = value.toLowerCase();
  if (lower === 'lax' || lower === 'strict') return lower;
  return fail(`${name} must be lax or strict, got ${JSON.stringify(value)}`);
}

/**
 * Read `--browser-origin`: comma-separated origins (`https://app.example.com`), each exactly
 * an origin (scheme, host, optional port; no path, query or user), as browsers send them in
 * `Origin` (RFC 6454 §7). They are allowed beside the issuer's own origin.
 *
 * @throws what `fail` throws, naming the entry at fault.
 * @example
 * parseBrowserOrigins('https://app.example.com,http://localhost:5173', name, fail);
 */
export function parseBrowserOrigins(
  list: string,
  name: string,
  fail: (message: string) => never,
): string[] {
  if (list.trim() === '') return [];
  return list.split(',').map((entry) => {
    const text = entry.trim();
    let url: URL | null = null;
    try {
      url = new URL(text);
    } catch {
      url = null;
    }
    if (
      url === null ||
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      url.origin !== text.replace(/\/$/, '').toLowerCase()
    ) {
      return fail(
        `${name} takes origins such as https://app.example.com (scheme, host and port only), comma-separated; got ${JSON.stringify(text)}`,
      );
    }
    return url.origin;
  });
}
