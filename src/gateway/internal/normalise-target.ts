/** A request target as the gateway judges and forwards it. */
export interface NormalisedTarget {
  /** The normalised path: what the routes are matched against and what the upstream receives. */
  readonly path: string;
  /** `path` plus the query, as forwarded. */
  readonly pathAndQuery: string;
}

/** RFC 3986 §2.3: the unreserved characters, whose escapes mean the same as the characters. */
const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/**
 * Refused in the raw path, before anything is decoded: `;` (path parameters, which Tomcat and
 * other servlet containers strip, so `/health/..;/orders` is `/orders` to them), `\` and
 * encoded `/`, `\`, `;` (upstreams disagree on whether they separate segments), and an escaped
 * `%` before hex digits (`%252e`: a double-decoding upstream sees a dot).
 */
const REFUSED_RAW = /[;\\]|%2f|%5c|%3b|%25[0-9a-f]{2}/i;

/**
 * The path the gateway decides on and forwards, or null for a path it refuses.
 *
 * Escapes of unreserved characters are decoded first (RFC 3986 §6.2.2.2), so `/%6frders` is
 * `/orders` here as it is to a decoding upstream, and `%2e%2e` is a dot segment; then dot
 * segments are resolved (RFC 3986 §5.2.4), so `/public/../orders` is judged and forwarded as
 * `/orders`. Other escapes get upper-case hex (§6.2.2.1) and must decode to well-formed UTF-8
 * without control characters: an overlong `%c0%ae` is a dot to some old decoders, `%00`
 * truncates the path in others. The upstream never sees another path than the one checked.
 * Null for anything but origin-form.
 */
export function normaliseTarget(raw: string): NormalisedTarget | null {
  if (!raw.startsWith('/') || raw.startsWith('//')) return null;
  const queryAt = raw.indexOf('?');
  const rawPath = queryAt === -1 ? raw : raw.slice(0, queryAt);
  const query = queryAt === -1 ? '' : raw.slice(queryAt);
  if (REFUSED_RAW.test(rawPath)) return null;
  const decoded = rawPath.replace(/%([0-9a-f]{2})/gi, (escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
  let url: URL;
  try {
    url = new URL(`${decoded}${query}`, 'http://gateway.invalid');
  } catch {
    return null;
  }
  const path = url.pathname;
  // WHATWG resolved the dot segments; it may have escaped characters too, so check its result.
  if (REFUSED_RAW.test(path) || !path.startsWith('/') || path.startsWith('//')) return null;
  let plain: string;
  try {
    plain = decodeURIComponent(path);
  } catch {
    return null; // a broken escape or bytes that are not UTF-8 (overlong forms included)
  }
  for (const char of plain) {
    if (char < ' ' || char === '\x7f') return null;
  }
  return { path, pathAndQuery: `${path}${url.search}` };
}
