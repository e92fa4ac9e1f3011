import { readHeader } from './internal/read-header.js';
import { hashMatches } from './token-sidecar.js';

/** Methods that never change state (RFC 9110 §9.2.1 safe methods, as browsers send them). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True for a method the CSRF rule applies to: anything but GET, HEAD and OPTIONS. Method names
 * are case-sensitive (RFC 9110 §9.1), so `get` is not GET and is checked.
 *
 * @example
 * isStateChanging('POST'); // true
 */
export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method);
}

/**
 * Headers with which many frameworks (Express `method-override`, Rails, Laravel, Spring's
 * `HiddenHttpMethodFilter` under other names, ASP.NET) run a request as another method than
 * its request line's: a GET or POST carrying one may really be a DELETE.
 */
export const METHOD_OVERRIDE_HEADERS: readonly string[] = Object.freeze([
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);

/**
 * True when the CSRF rule applies to a request: its method is not GET, HEAD or OPTIONS, or it
 * carries a method-override header, since an app whose framework honours one would run that
 * GET as the DELETE it names. The app's own script can send the CSRF token with such a request,
 * so judging it as a state change costs it nothing.
 *
 * @example
 * isStateChangingRequest('GET', { 'x-http-method-override': 'DELETE' }); // true
 */
export function isStateChangingRequest(
  method: string,
  headers:
    | Readonly<Record<string, string | readonly string[] | undefined>>
    | { get(name: string): string | null },
): boolean {
  return (
    isStateChanging(method) ||
    METHOD_OVERRIDE_HEADERS.some((name) => readHeader(headers, name) !== undefined)
  );
}

/** What the CSRF rule reads of a request: each header as received (an array when repeated). */
export interface CsrfHeaders {
  readonly secFetchSite: string | readonly string[] | undefined;
  readonly origin: string | readonly string[] | undefined;
}

/**
 * Steps 1 and 2 of the CSRF rule for a cookie-authenticated, state-changing request, which need
 * no token: the reason to refuse (safe for the wire), or null when the request may go on.
 *
 * 1. Fetch Metadata: `Sec-Fetch-Site`, when present, must be `same-origin`; `same-site` is
 *    refused too (another port or subdomain is another origin). When it is absent (older
 *    browsers), `Origin` must be present.
 * 2. `Origin`, when present, must be one of `allowedOrigins` (serialised origins, RFC 6454 §6.2),
 *    or `null` with `Sec-Fetch-Site: same-origin` (a same-origin page under no-referrer).
 *
 * A repeated header is refused: nothing says which one the browser meant.
 *
 * @example
 * const reason = checkRequestOrigin({ secFetchSite: 'cross-site', origin: undefined }, origins);
 * // 'a cross-site request cannot change state with the session cookie'
 */
export function checkRequestOrigin(
  headers: CsrfHeaders,
  allowedOrigins: ReadonlySet<string>,
): string | null {
  const { secFetchSite, origin } = headers;
  if (typeof secFetchSite === 'object' || typeof origin === 'object') {
    return 'Sec-Fetch-Site and Origin may each be sent once';
  }
  if (secFetchSite !== undefined && secFetchSite !== 'same-origin') {
    return `a ${secFetchSite === 'same-site' ? 'same-site but cross-origin' : 'cross-origin'} request cannot change state with the session cookie`;
  }
  if (secFetchSite === undefined && origin === undefined) {
    return 'a state-changing request with the session cookie must carry Sec-Fetch-Site or Origin';
  }
  // Under `Referrer-Policy: no-referrer` a browser serialises the origin of a same-origin
  // non-CORS POST as "null" (Fetch §3.1, "serializing a request origin"). "null" stands for the
  // page's own origin only where Sec-Fetch-Site, which no page can set, says same-origin.
  const ownNull = origin === 'null' && secFetchSite === 'same-origin';
  if (origin !== undefined && !ownNull && !allowedOrigins.has(origin)) {
    return 'the request comes from an origin that is not allowed to change state here';
  }
  return null;
}

/**
 * Step 3 of the CSRF rule: the `X-CSRF-Token` header (exactly one) hashes to the token's `csh`
 * claim (`base64url(SHA-256(csrf))`, compared in constant time). The reason to refuse, or null.
 * A token without `csh` (not issued for a cookie session) cannot pass.
 *
 * @example
 * checkCsrfToken(headers['x-csrf-token'], claims['csh']); // null when they match
 */
export function checkCsrfToken(
  presented: string | readonly string[] | undefined,
  csh: unknown,
): string | null {
  if (typeof csh !== 'string' || csh === '') {
    return 'the session cookie holds a token that cannot change state: sign in again';
  }
  if (presented === undefined) return 'the X-CSRF-Token header is missing';
  if (typeof presented !== 'string') return 'send one X-CSRF-Token header';
  return hashMatches(presented, csh) ? null : 'the X-CSRF-Token header does not match the session';
}

/**
 * Check and normalise the origins allowed to send state-changing requests: each an http(s)
 * origin as a browser serialises it in `Origin` (scheme, host and port, no path).
 *
 * @throws TypeError for an empty list or a value that is not an origin.
 * @example
 * allowedOriginSet(['https://app.example.com']);
 */
export function allowedOriginSet(origins: unknown): ReadonlySet<string> {
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new TypeError('cookies.allowedOrigins must list the origins of your pages');
  }
  const set = new Set<string>();
  for (const value of origins as unknown[]) {
    let url: URL | null = null;
    try {
      url = typeof value === 'string' ? new URL(value) : null;
    } catch {
      url = null;
    }
    const plain = url !== null && url.pathname === '/' && url.search === '' && url.hash === '';
    if (url === null || !plain || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new TypeError(
        `cookies.allowedOrigins: ${JSON.stringify(value)} is not an origin such as https://app.example.com`,
      );
    }
    if ((value as string).replace(/\/$/, '') !== url.origin) {
      throw new TypeError(
        `cookies.allowedOrigins: write ${JSON.stringify(url.origin)} as the browser sends it`,
      );
    }
    set.add(url.origin);
  }
  return set;
}
