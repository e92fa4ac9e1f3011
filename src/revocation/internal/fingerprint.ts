import { randomBytes } from 'node:crypto';

/**
 * 63-bit fingerprints of strings, keyed by a random seed per instance, so the denylist can keep
 * its entries in typed arrays instead of as strings in `Map`s.
 *
 * Why: a million strings and their map entries are a large object graph on the V8 heap, and a
 * large heap slows every minor collection of the whole process, verify included (measured:
 * about half of what a 1M-entry denylist cost an HS256 verify was the collector, not the
 * lookup). Typed arrays are a few buffers the collector never traces.
 *
 * The cost of storing fingerprints instead of values: two different values can share one, and
 * then a token carrying the other is refused. With 63 bits and a secret seed this happens with
 * a probability of about n / 2^63 per lookup (1e-13 for a million entries), cannot be aimed at
 * by someone who does not know the seed, and only ever refuses, never accepts.
 *
 * Every UTF-16 code unit is hashed (see {@link Fingerprinter.compute}); the seed enters both
 * lanes, and the murmur3 finalizer finishes them.
 *
 * Reading a character costs about 1.5 ns (`charCodeAt` checks the string's representation on
 * every call, whatever the arithmetic around it), so fingerprinting a token's jti, sid and sub
 * (80 characters) costs more than the table lookups. Hence {@link Fingerprinter.sample}, which
 * reads the first and last four characters only: enough for the tables' filters to clear most
 * values that are not listed, so that {@link Fingerprinter.compute} runs only for values that
 * may be.
 */
export class Fingerprinter {
  readonly #seedHigh: number;
  readonly #seedLow: number;
  readonly #seedSample: number;
  /** The first and last four code units of the value being read, two to a word. */
  #head0 = 0;
  #head1 = 0;
  #tail0 = 0;
  #tail1 = 0;
  /** The two halves of the last fingerprint computed; read them right after {@link compute}. */
  high = 0;
  low = 0;

  constructor(seed: Uint8Array = randomBytes(8)) {
    if (seed.length < 8) throw new TypeError('a fingerprint seed needs 8 bytes');
    const view = new DataView(seed.buffer, seed.byteOffset, seed.byteLength);
    this.#seedHigh = view.getInt32(0);
    this.#seedLow = view.getInt32(4);
    this.#seedSample = mix(this.#seedHigh ^ Math.imul(this.#seedLow, 0x9e3779b1));
  }

  /**
   * A seeded hash of the length of `value` and its first and last four UTF-16 code units, in
   * the Smi range (0 to 2^30 - 1) so that passing it around never boxes a number. Equal values
   * have equal samples; different values usually differ, but need not (values that differ
   * only in the middle share one), so a sample can tell that a value is absent, never that it
   * is present.
   */
  sample(value: string): number {
    this.#readEnds(value);
    let h = Math.imul(this.#seedSample ^ value.length ^ this.#head0, 0x01000193);
    h = Math.imul(h ^ (h >>> 15) ^ this.#head1, 0x5bd1e995);
    h = Math.imul(h ^ (h >>> 13) ^ this.#tail0, 0x01000193);
    return mix(h ^ (h >>> 15) ^ this.#tail1) >>> 2;
  }

  /** Fingerprint `value` into {@link high} and {@link low}; never both zero. */
  compute(value: string): void {
    this.#readEnds(value);
    const length = value.length;
    const end = length - 4;
    let a = this.#seedHigh ^ length;
    let b = this.#seedLow ^ Math.imul(length, 0x9e3779b1);
    // Two UTF-16 code units per 32-bit word: the first words into lane `a`, the next into lane
    // `b`. The lanes do not wait on each other, so the CPU runs them side by side. Each step is
    // a bijection of the lane for a given word, so values that differ in one word always differ
    // in that lane; the finish mixes both lanes into both halves. Values of 4 to 7 units have
    // head and tail overlapping and no middle; shorter ones are all in the head.
    a = Math.imul(a ^ this.#head0, 0x01000193);
    b = Math.imul(b ^ this.#tail0, 0x5bd1e995);
    a ^= a >>> 15;
    b ^= b >>> 13;
    a = Math.imul(a ^ this.#head1, 0x01000193);
    b = Math.imul(b ^ this.#tail1, 0x5bd1e995);
    a ^= a >>> 15;
    b ^= b >>> 13;
    let i = 4;
    for (; i + 4 <= end; i += 4) {
      a = Math.imul(a ^ (value.charCodeAt(i) | (value.charCodeAt(i + 1) << 16)), 0x01000193);
      b = Math.imul(b ^ (value.charCodeAt(i + 2) | (value.charCodeAt(i + 3) << 16)), 0x5bd1e995);
      a ^= a >>> 15;
      b ^= b >>> 13;
    }
    for (; i < end; i++) a = Math.imul(a ^ value.charCodeAt(i), 0x01000193) ^ (a >>> 15);
    const high = mix(a ^ Math.imul(b, 0x85ebca6b));
    this.high = high;
    // The low half is forced odd: 63 bits, never a (0, 0) pair.
    this.low = mix(b ^ high) | 1;
  }

  /**
   * Read the first and last four units of `value` (all of a value of up to three, with the
   * length telling trailing NULs from absent units) into the fields above. Four at each end,
   * not fewer: the last unit of a base64url id of 16 bytes holds two bits, and two hex digits
   * at each end of a UUID are 16 bits, too few to keep a quarter of a million samples apart.
   */
  #readEnds(value: string): void {
    const length = value.length;
    if (length >= 4) {
      const end = length - 4;
      this.#head0 = value.charCodeAt(0) | (value.charCodeAt(1) << 16);
      this.#head1 = value.charCodeAt(2) | (value.charCodeAt(3) << 16);
      this.#tail0 = value.charCodeAt(end) | (value.charCodeAt(end + 1) << 16);
      this.#tail1 = value.charCodeAt(end + 2) | (value.charCodeAt(end + 3) << 16);
    } else {
      this.#head0 =
        length > 0 ? value.charCodeAt(0) | (length > 1 ? value.charCodeAt(1) << 16 : 0) : 0;
      this.#head1 = length > 2 ? value.charCodeAt(2) : 0;
      this.#tail0 = 0;
      this.#tail1 = 0;
    }
  }
}

/** murmur3 fmix32: every input bit affects every output bit. */
function mix(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
