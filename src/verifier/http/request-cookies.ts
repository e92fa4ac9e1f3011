import {
  TESSERA_COOKIE_PREFIX,
  TESSERA_COOKIES,
  type TesseraCookieName,
} from './tessera-cookies.js';

/** Longest `Cookie` header read, in characters (Node's whole header limit is 16 KiB). */
export const MAX_COOKIE_HEADER_LENGTH = 16_384;
/** Most `name=value` pairs read from one `Cookie` header. */
export const MAX_COOKIE_PAIRS = 200;
/** Longest value of one of our cookies: an access token stays far below this. */
const MAX_VALUE_LENGTH = 8_192;
/**
 * Our values are JWTs, base64url tokens or their hashes: RFC 6750 b64token characters. Anything
 * else did not come from Tessera.
 */
const VALUE = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The values of Tessera's cookies in one request; a cookie that was not sent is absent. */
export type TesseraCookieValues = Readonly<Partial<Record<TesseraCookieName, string>>>;

/** Why a `Cookie` header was not read; safe for the wire. */
export interface CookieRefusal {
  readonly refused: string;
}

const BY_LOWER_NAME = new Map<string, TesseraCookieName>(
  (Object.entries(TESSERA_COOKIES) as [TesseraCookieName, string][]).map(([key, name]) => [
    name.toLowerCase(),
    key,
  ]),
);

/**
 * Read Tessera's cookies from a request's `Cookie` header (RFC 6265 §5.4 syntax, parsed as
 * leniently as browsers send it), ignoring every other cookie.
 *
 * Refused, as a client mistake or an attack: a header over {@link MAX_COOKIE_HEADER_LENGTH}
 * characters or {@link MAX_COOKIE_PAIRS} pairs, a value of ours that Tessera cannot have set,
 * and one of our names sent twice, in any case. A browser holds one `__Host-` cookie per name
 * and host, so a second one was tossed in by someone else (a sibling subdomain setting
 * `__HOST-tessera-access` on a browser that does not apply the prefix rules to that
 * spelling, say), and nothing tells which of the two is genuine.
 *
 * @example
 * readTesseraCookies('theme=dark; __Host-tessera-fgp=abc'); // { fingerprint: 'abc' }
 * readTesseraCookies('__Host-tessera-fgp=a; __Host-tessera-fgp=b'); // { refused: '…' }
 */
export function readTesseraCookies(
  header: string | readonly string[] | undefined | null,
): TesseraCookieValues | CookieRefusal {
  if (header === undefined || header === null) return {};
  // HTTP/2 may split cookies over several fields; RFC 9113 §8.2.3 joins them with "; ".
  const text = typeof header === 'string' ? header : header.join('; ');
  if (text.length > MAX_COOKIE_HEADER_LENGTH) {
    return { refused: 'the Cookie header is too large' };
  }
  if (!text.toLowerCase().includes(TESSERA_COOKIE_PREFIX.toLowerCase())) return {};
  const values: Partial<Record<TesseraCookieName, string>> = {};
  const seen = new Set<TesseraCookieName>();
  let pairs = 0;
  for (const pair of text.split(';')) {
    if (++pairs > MAX_COOKIE_PAIRS) return { refused: 'the Cookie header has too many cookies' };
    const equals = pair.indexOf('=');
    if (equals === -1) continue; // RFC 6265 §5.2: a pair without "=" is ignored
    const name = pair.slice(0, equals).trim();
    const key = BY_LOWER_NAME.get(name.toLowerCase());
    if (key === undefined) continue;
    if (seen.has(key)) {
      return { refused: `the ${TESSERA_COOKIES[key]} cookie was sent more than once` };
    }
    seen.add(key);
    // Only the exact spelling is ours: the prefix rules guard that one alone.
    if (name !== TESSERA_COOKIES[key]) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    if (value.length > MAX_VALUE_LENGTH || !VALUE.test(value)) {
      return { refused: `the ${TESSERA_COOKIES[key]} cookie is malformed` };
    }
    values[key] = value;
  }
  return values;
}

/** True for a {@link CookieRefusal}. */
export function isCookieRefusal(read: TesseraCookieValues | CookieRefusal): read is CookieRefusal {
  return typeof (read as Partial<CookieRefusal>).refused === 'string';
}
