import type { JwsHeader } from '../jws-header.js';

/**
 * Parsed headers by their base64url segment. Tokens from one issuer share a handful of
 * headers, so most verifications skip decoding and parsing the header. Only headers that
 * passed every structural check are stored, and the map is cleared when full, so random
 * headers sent by an attacker cost memory only up to the bound.
 */
const MAX_ENTRIES = 256;
const cache = new Map<string, JwsHeader>();

export function getCachedHeader(segment: string): JwsHeader | undefined {
  return cache.get(segment);
}

export function cacheHeader(segment: string, header: JwsHeader): void {
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(segment, header);
}
