/**
 * A blocked Bloom filter over strings: "definitely absent" or "maybe present".
 *
 * Why: a `Map` of hundreds of thousands of strings is far larger than the CPU caches, and a
 * miss costs several dependent memory loads (bucket, entry, key string), each a cache and TLB
 * miss. Most tokens are not revoked, so most lookups are misses. This filter answers them from
 * 8 to 16 bits per entry, all bits of one answer in one 64-byte block (one cache line), so it
 * mostly stays in cache. It never says absent for a value that was added; a false "maybe"
 * (a few percent) only costs the map lookup that would have happened anyway.
 *
 * Bits cannot be removed, so the owner rebuilds the filter from its live values once
 * {@link isFull} says it has taken as many insertions as it was sized for.
 */
export class MembershipFilter {
  /** 16 words (512 bits) per block. */
  readonly #words: Int32Array;
  readonly #blockMask: number;
  readonly #capacity: number;
  #inserted = 0;

  /** A filter for `expected` values with room for as many more insertions. */
  constructor(expected: number) {
    // A power of two, twice what is expected, 8 bits per unit of capacity: 16 bits per value
    // when built, 8 when full (a false-positive rate of a few percent at k = 3).
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    const blocks = capacity / 64;
    this.#words = new Int32Array(blocks * 16);
    this.#blockMask = blocks - 1;
    this.#capacity = capacity;
  }

  /** True once it has taken as many insertions as it was sized for: time to rebuild. */
  get isFull(): boolean {
    return this.#inserted >= this.#capacity;
  }

  add(value: string): void {
    const h = hashString(value);
    const base = (h & this.#blockMask) << 4;
    const g = mix(h);
    const words = this.#words;
    // Three bits per value from 9 bits of `g` each: 4 pick the word, 5 the bit (`1 << n`
    // reads only the low 5 bits of n, so the shifts need no mask).
    const w1 = base + ((g >>> 5) & 15);
    const w2 = base + ((g >>> 14) & 15);
    const w3 = base + ((g >>> 23) & 15);
    // In-bounds typed-array reads are never undefined; `?? 0` only satisfies the compiler.
    words[w1] = (words[w1] ?? 0) | (1 << g);
    words[w2] = (words[w2] ?? 0) | (1 << (g >>> 9));
    words[w3] = (words[w3] ?? 0) | (1 << (g >>> 18));
    this.#inserted++;
  }

  /** False when `value` was certainly never added. */
  mightContain(value: string): boolean {
    const h = hashString(value);
    const base = (h & this.#blockMask) << 4;
    const g = mix(h);
    const words = this.#words;
    return (
      ((words[base + ((g >>> 5) & 15)] ?? 0) & (1 << g)) !== 0 &&
      ((words[base + ((g >>> 14) & 15)] ?? 0) & (1 << (g >>> 9))) !== 0 &&
      ((words[base + ((g >>> 23) & 15)] ?? 0) & (1 << (g >>> 18))) !== 0
    );
  }
}

/** Characters hashed from each end of a longer value. */
const EDGE = 8;

/**
 * FNV-1a over at most the first and last {@link EDGE} UTF-16 code units and the length, then a
 * murmur3 finalizer. Hashing in JavaScript costs a few ns per character, and the values that
 * matter (random 128-bit jti and sid, UUID subjects) carry more than enough entropy in 16
 * characters. Values alike at both ends (long e-mail addresses, say) collide more often, which
 * only turns "absent" into "maybe" and lets the map settle it: slower, never wrong.
 */
function hashString(value: string): number {
  const length = value.length;
  let h = 0x811c9dc5 ^ length;
  if (length <= 2 * EDGE) {
    for (let i = 0; i < length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < EDGE; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
    for (let i = length - EDGE; i < length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  }
  return mix(h);
}

/** murmur3 fmix32: every input bit affects every output bit. */
function mix(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
