import type { FastifyRequest } from 'fastify';
import { matchesHash } from '../../sessions/browser-binding-keys.js';
import type { ServerContext } from '../server-context.js';

/**
 * The origins whose pages may send state-changing cookie requests: the issuer's own and the
 * `--browser-origin` ones.
 *
 * @example
 * const allowed = allowedOrigins(context.config);
 */
export function allowedOrigins(
  config: Pick<ServerContext['config'], 'issuer' | 'browserOrigins'>,
): ReadonlySet<string> {
  return new Set([new URL(config.issuer).origin, ...config.browserOrigins]);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Where the request comes from, checked before any cookie is used (docs/browser.md, the CSRF
 * rule, steps 1 and 2): Fetch Metadata's `Sec-Fetch-Site` must say `same-origin` (another
 * port or subdomain is another origin: `same-site` is refused too); a browser too old to send
 * it must send `Origin`; and an `Origin` must be an allowed one. Also used for the login
 * forms, against login CSRF (a page logging the victim into the attacker's account).
 *
 * @returns null when the request may go on, else why not (safe to show).
 * @example
 * const refusal = checkRequestSource(request, allowed);
 */
export function checkRequestSource(
  request: FastifyRequest,
  allowed: ReadonlySet<string>,
): string | null {
  const site = header(request, 'sec-fetch-site');
  const origin = header(request, 'origin');
  if (site !== undefined && site !== 'same-origin') {
    return `a ${site} request cannot change anything here (Sec-Fetch-Site: ${site.slice(0, 20)})`;
  }
  if (site === undefined && origin === undefined) {
    return 'the request names neither Sec-Fetch-Site nor Origin, so its source cannot be checked';
  }
  // Our pages send Referrer-Policy: no-referrer, under which a browser serializes the origin
  // of its own same-origin form POST as "null" (Fetch §3.1, "serializing a request origin";
  // Chromium does). "null" therefore stands for our own page only where Sec-Fetch-Site, which
  // no page can set, says same-origin; anywhere else it is refused like any foreign origin.
  const ownNull = origin === 'null' && site === 'same-origin';
  if (origin !== undefined && !ownNull && !allowed.has(origin)) {
    return 'the request comes from an origin that is not allowed here';
  }
  return null;
}

/**
 * The per-session token (step 3): the presented CSRF token must hash to the access token's
 * `csh` claim. The token comes from `X-CSRF-Token`, or on the server's own forms from the
 * `_csrf` field.
 *
 * @returns null when it matches, else why not (safe to show).
 * @example
 * const refusal = checkCsrfToken(request, claims.csh, true);
 */
export function checkCsrfToken(
  request: FastifyRequest,
  csh: unknown,
  acceptFormField: boolean,
): string | null {
  let presented: unknown = header(request, 'x-csrf-token');
  if (presented === undefined && acceptFormField) {
    const body = request.body;
    if (typeof body === 'object' && body !== null && '_csrf' in body) presented = body._csrf;
  }
  if (presented === undefined) return 'the CSRF token is missing (send it in X-CSRF-Token)';
  if (!matchesHash(presented, csh)) return 'the CSRF token does not match this session';
  return null;
}
