/**
 * BLAKE2b with a key and any output length from 1 to 64 bytes (RFC 7693). `node:crypto` only
 * offers unkeyed BLAKE2b-512, and PASETO v4.local needs keyed BLAKE2b-256 and -448 (for key
 * derivation and its MAC), which the `paseto` package leaves to the application. Tokens are a
 * few hundred bytes, so 64-bit BigInt arithmetic is fast enough and easy to check against
 * the RFC; the tests compare it with `node:crypto` and the PASETO vectors.
 */

const MASK = (1n << 64n) - 1n;

/** RFC 7693 §2.6: the SHA-512 initialisation vector. */
const IV = [
  0x6a09e667f3bcc908n,
  0xbb67ae8584caa73bn,
  0x3c6ef372fe94f82bn,
  0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n,
  0x9b05688c2b3e6c1fn,
  0x1f83d9abfb41bd6bn,
  0x5be0cd19137e2179n,
] as const;

/** RFC 7693 §2.7: message word schedule, one row per round (rounds 10 and 11 reuse 0 and 1). */
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
] as const;

const BLOCK_BYTES = 128;

function rotr(x: bigint, n: bigint): bigint {
  return ((x >> n) | (x << (64n - n))) & MASK;
}

/** RFC 7693 §3.1: the mixing function G. */
function mix(v: bigint[], a: number, b: number, c: number, d: number, x: bigint, y: bigint): void {
  v[a] = ((v[a] as bigint) + (v[b] as bigint) + x) & MASK;
  v[d] = rotr((v[d] as bigint) ^ v[a], 32n);
  v[c] = ((v[c] as bigint) + v[d]) & MASK;
  v[b] = rotr((v[b] as bigint) ^ v[c], 24n);
  v[a] = (v[a] + v[b] + y) & MASK;
  v[d] = rotr(v[d] ^ v[a], 16n);
  v[c] = (v[c] + v[d]) & MASK;
  v[b] = rotr(v[b] ^ v[c], 63n);
}

/** RFC 7693 §3.2: the compression function F over one 128-byte block. */
function compress(h: bigint[], block: Buffer, offset: bigint, last: boolean): void {
  const m: bigint[] = [];
  for (let i = 0; i < 16; i++) m.push(block.readBigUInt64LE(i * 8));
  const v = [...h, ...IV];
  v[12] = (v[12] as bigint) ^ (offset & MASK);
  v[13] = (v[13] as bigint) ^ (offset >> 64n);
  if (last) v[14] = (v[14] as bigint) ^ MASK;
  for (let round = 0; round < 12; round++) {
    const s = SIGMA[round % 10] as readonly number[];
    const w = (i: number): bigint => m[s[i] as number] as bigint;
    mix(v, 0, 4, 8, 12, w(0), w(1));
    mix(v, 1, 5, 9, 13, w(2), w(3));
    mix(v, 2, 6, 10, 14, w(4), w(5));
    mix(v, 3, 7, 11, 15, w(6), w(7));
    mix(v, 0, 5, 10, 15, w(8), w(9));
    mix(v, 1, 6, 11, 12, w(10), w(11));
    mix(v, 2, 7, 8, 13, w(12), w(13));
    mix(v, 3, 4, 9, 14, w(14), w(15));
  }
  for (let i = 0; i < 8; i++) h[i] = (h[i] as bigint) ^ (v[i] as bigint) ^ (v[i + 8] as bigint);
}

/**
 * BLAKE2b of `message`, `outputBytes` long, keyed with `key` (up to 64 bytes; empty for the
 * plain hash).
 *
 * @throws RangeError for an output length outside 1-64 or a key over 64 bytes.
 * @example
 * const mac = blake2b(Buffer.from('message'), 32, key);
 */
export function blake2b(
  message: Uint8Array,
  outputBytes: number,
  key: Uint8Array = new Uint8Array(0),
): Buffer {
  if (!Number.isInteger(outputBytes) || outputBytes < 1 || outputBytes > 64)
    throw new RangeError('BLAKE2b output is 1 to 64 bytes');
  if (key.length > 64) throw new RangeError('BLAKE2b keys are at most 64 bytes');
  const h: bigint[] = [...IV];
  // RFC 7693 §2.5: parameter block, digest length and key length in the first word.
  h[0] = (h[0] as bigint) ^ BigInt(0x01010000 ^ (key.length << 8) ^ outputBytes);
  // A key is hashed as a first block of its own, padded with zeros (RFC 7693 §3.3).
  const data = Buffer.concat(
    key.length > 0
      ? [Buffer.from(key), Buffer.alloc(BLOCK_BYTES - key.length), message]
      : [message],
  );
  const blocks = Math.max(1, Math.ceil(data.length / BLOCK_BYTES));
  for (let i = 0; i < blocks; i++) {
    const start = i * BLOCK_BYTES;
    const last = i === blocks - 1;
    const block = Buffer.alloc(BLOCK_BYTES);
    data.copy(block, 0, start, Math.min(start + BLOCK_BYTES, data.length));
    const counted = last ? data.length : start + BLOCK_BYTES;
    compress(h, block, BigInt(counted), last);
  }
  const out = Buffer.alloc(64);
  for (let i = 0; i < 8; i++) out.writeBigUInt64LE(h[i] as bigint, i * 8);
  return out.subarray(0, outputBytes);
}
