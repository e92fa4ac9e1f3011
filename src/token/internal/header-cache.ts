import type { JwsHeader } from '../jws-header.js';

/**
 * Parsed headers by their base64url segment. Tokens from one issuer share a handful of
 * headers, so most verifications skip decoding and parsing the header. Only headers that
 * passed every structural check are stored, and the map is cleared when full, so random
 * headers sent by an attacker cost memory only up to the bound.
 */
const MAX_ENTRIES = 256;
const cache = new Map<string, JwsHeader>();

// The header seen last: a prefix comparison finds it without slicing the token or hashing
// the segment, which is most of the cost of a Map lookup for a header of ~100 characters.
let lastSegment = '';
let lastHeader: JwsHeader | undefined;

/** The cached header of `token`, whose header segment ends at `end`. */
export function getCachedHeader(token: string, end: number): JwsHeader | undefined {
  if (end === lastSegment.length && lastHeader !== undefined && token.startsWith(lastSegment)) {
    return lastHeader;
  }
  const segment = token.slice(0, end);
  const header = cache.get(segment);
  if (header !== undefined) {
    lastSegment = segment;
    lastHeader = header;
  }
  return header;
}

/** Remember a header that passed every check. */
export function cacheHeader(segment: string, header: JwsHeader): void {
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(segment, header);
  lastSegment = segment;
  lastHeader = header;
}
