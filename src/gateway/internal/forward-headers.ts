import { METHOD_OVERRIDE_HEADERS } from '../../verifier/http/csrf-rule.js';
import { TESSERA_COOKIE_PREFIX } from '../../verifier/http/tessera-cookies.js';
import { withoutTesseraCookies } from './session-cookies.js';

/**
 * RFC 9110 §7.6.1: hop-by-hop fields a proxy must not forward, plus the proxy credentials of
 * RFC 9110 §11.7 (meant for this hop only). Fields named in `Connection` are removed too.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'proxy-authorization',
  'proxy-authenticate',
]);

/** Fields the gateway itself sets on the way to the upstream, whatever the client sent. */
const REPLACED_UPSTREAM = new Set(['host', 'x-forwarded-proto', 'x-forwarded-host']);

/**
 * The identity headers (DESIGN.md invariant 5: only the gateway may set them), in every spelling
 * an upstream could read as one: CGI and WSGI map both `-` and `_` to `_` (RFC 3875 §4.1.18),
 * so `X-Tessera_Sub` arrives there as HTTP_X_TESSERA_SUB.
 */
const IDENTITY_NAME = /^x[-_]tessera[-_]/i;

/** Fields some upstream frameworks take as the request path instead of the one checked. */
const PATH_OVERRIDE = new Set(['x-original-url', 'x-rewrite-url']);

/**
 * Fields some upstream frameworks take as the request's method: route scopes and the CSRF rule
 * judged the request-line method, so the upstream must not run another one.
 */
const METHOD_OVERRIDE = new Set(METHOD_OVERRIDE_HEADERS);

/** What the gateway adds to a request it forwards. */
export interface ForwardedRequestHeaders {
  /** `Host` for the upstream. */
  readonly host: string;
  /** Public protocol and host the client used. */
  readonly forwardedProto: string;
  readonly forwardedHost: string | undefined;
  /** The client's address, appended to `X-Forwarded-For`. */
  readonly clientAddress: string | undefined;
  /** Identity headers to add (already checked to be printable). */
  readonly identity: readonly (readonly [string, string])[];
  /** Remove `Authorization` and `DPoP` (the default). */
  readonly dropToken: boolean;
  /** Remove `X-CSRF-Token` too (browser mode: it is the session's, not the upstream's). */
  readonly dropCsrfToken?: boolean;
}

/**
 * The headers of a request to forward, as a flat `[name, value, …]` list (the form of
 * `rawHeaders`, which keeps repeated fields apart): hop-by-hop fields removed, every
 * `X-Tessera-*` the client sent removed (with `_` spellings), `X-Original-URL`/`X-Rewrite-URL` and
 * the method-override headers,
 * the token removed unless kept, every `__Host-tessera-*` cookie removed from `Cookie`, then the
 * gateway's own.
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  forwarded: ForwardedRequestHeaders,
): string[] {
  const named = connectionTokens(rawHeaders);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const value = rawHeaders[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower) || REPLACED_UPSTREAM.has(lower)) continue;
    if (IDENTITY_NAME.test(lower) || PATH_OVERRIDE.has(lower) || METHOD_OVERRIDE.has(lower)) {
      continue;
    }
    if (forwarded.dropToken && (lower === 'authorization' || lower === 'dpop')) continue;
    if (forwarded.dropCsrfToken === true && lower === 'x-csrf-token') continue;
    if (lower === 'cookie') {
      // Our cookies (tokens, the session's CSRF token, the fingerprint) never go upstream.
      const kept = withoutTesseraCookies(value);
      if (kept !== null) out.push(name, kept);
      continue;
    }
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    out.push(name, value);
  }
  out.push('host', forwarded.host, 'x-forwarded-proto', forwarded.forwardedProto);
  if (forwarded.forwardedHost !== undefined) out.push('x-forwarded-host', forwarded.forwardedHost);
  if (forwarded.clientAddress !== undefined) {
    out.push(
      'x-forwarded-for',
      forwardedFor === undefined
        ? forwarded.clientAddress
        : `${forwardedFor}, ${forwarded.clientAddress}`,
    );
  } else if (forwardedFor !== undefined) {
    out.push('x-forwarded-for', forwardedFor);
  }
  for (const [name, value] of forwarded.identity) out.push(name, value);
  return out;
}

/** How the gateway treats an upstream response on its way to the client. */
export interface ClientResponseOptions {
  /** `Set-Cookie` values of a refreshed or cleared session, added after the upstream's own. */
  readonly setCookies?: readonly string[];
  /** The request was authenticated by the session cookie: the answer is that user's alone. */
  readonly cookieAuthenticated?: boolean;
  /** Told the name of each upstream `Set-Cookie` of ours that was dropped. */
  readonly onDroppedCookie?: (name: string) => void;
}

/**
 * The headers of an upstream response to pass to the client: hop-by-hop fields removed, and
 * every `Set-Cookie` the upstream sent under one of our `__Host-tessera-*` names dropped (only
 * the auth server and the gateway set those; an upstream that did could plant a session).
 * When the answer sets a session cookie or was authenticated by one, `Cache-Control` becomes
 * `private, no-store` and `Vary` gains `Cookie`: no shared cache may keep a token, or hand one
 * user's page to another because the upstream called it public.
 */
export function clientResponseHeaders(
  rawHeaders: readonly string[],
  options: ClientResponseOptions = {},
): string[] {
  const setCookies = options.setCookies ?? [];
  const personal = setCookies.length > 0 || options.cookieAuthenticated === true;
  const named = connectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const value = rawHeaders[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    if (personal && lower === 'cache-control') continue;
    if (lower === 'set-cookie') {
      const cookieName = ourCookieName(value);
      if (cookieName !== null) {
        options.onDroppedCookie?.(cookieName);
        continue;
      }
    }
    out.push(name, value);
  }
  if (personal) {
    out.push('cache-control', 'private, no-store');
    // Several Vary fields combine into one list (RFC 9110 §5.3).
    out.push('vary', 'Cookie');
  }
  for (const cookie of setCookies) out.push('set-cookie', cookie);
  return out;
}

const OUR_COOKIE_PREFIX = TESSERA_COOKIE_PREFIX.toLowerCase();

/**
 * The name of a `Set-Cookie` value when it is one of ours, else null. Browsers trim the name
 * and match `__Host-` in any case (RFC 6265bis §5.7); a value without `=` sets a nameless
 * cookie that is sent back as bare text, which our names must not be either.
 */
function ourCookieName(setCookie: string): string | null {
  const pair = setCookie.split(';', 1)[0] ?? '';
  const equals = pair.indexOf('=');
  const name = (equals === -1 ? pair : pair.slice(0, equals)).trim();
  if (!name.toLowerCase().startsWith(OUR_COOKIE_PREFIX)) return null;
  return name.slice(0, 64);
}

/** Field names listed in `Connection` (RFC 9110 §7.6.1), lower-case. */
function connectionTokens(rawHeaders: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] ?? '').toLowerCase() !== 'connection') continue;
    for (const token of (rawHeaders[i + 1] ?? '').split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') tokens.add(name);
    }
  }
  return tokens;
}
