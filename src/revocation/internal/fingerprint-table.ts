/** Smallest number of slots; tables never shrink below it. */
const MIN_CAPACITY = 16;
/**
 * Filter bits per slot. Sixteen, with three bits set per entry in one 32-bit word, let about
 * 0.4% of absent values past a half-full table, in 1 MB for the 524,288 slots of a quarter of
 * a million entries. Every value let past costs its full fingerprint and a record read far
 * away in memory, which with a cold cache and TLB takes microseconds: with four bits per slot
 * and two per entry about 5% got past, costing about a point of an HS256 verify.
 */
const FILTER_BITS_PER_SLOT = 16;
/**
 * Slots per latest time, in a table with a number. Four: 8 bits per slot, 512 KB for the
 * 524,288 slots of a quarter of a million entries, where one per slot took 2 MB, too much to
 * stay in the CPU caches between one token's lookup and the next (measured: about one point
 * of an HS256 verify). A latest time then covers two entries on average; the later one
 * decides, which can only send more lookups on to the records, never fewer.
 */
const SLOTS_PER_LATEST = 4;
/** A latest time too large for 32 bits: no time is at or after it. */
const NEVER = 0xffffffff;

/**
 * A hash table from 63-bit fingerprints (see fingerprint.ts) to an expiry time and, optionally,
 * one more number, kept in typed arrays: open addressing with linear probing, at most half
 * full. Deletion shifts later entries of the run back (no tombstones), so lookups never slow
 * down with churn.
 *
 * What a lookup reads sits together: each slot is one record of the fingerprint and, when the
 * table has one, the extra number (`high, low` in 8 bytes, or `high, low, pad, number` in 16),
 * so a hit costs one cache line. Expiry times and samples, read only when adding and pruning,
 * live in arrays of their own.
 *
 * In front of the records is a filter of the entries' samples (a cheap hash of a few
 * characters of the value, see Fingerprinter.sample). Most lookups are of values that are not
 * listed (most tokens are not revoked), and most of those stop at the filter, before the
 * value's full fingerprint, which costs about one and a half nanoseconds per character, is
 * computed at all, and before a record far away in memory is read.
 *
 * - Without a number: a Bloom filter, three bits per entry in one 32-bit word.
 * - With a number (a time in ms: the `sub` table's "revoked before"): per sample slot, the
 *   latest time of the entries there, in whole seconds rounded up. A question about a time at
 *   or after it ends there even when the value is listed: that is the usual `sub` lookup, a
 *   token issued after its user logged out everywhere, which would otherwise cost a record
 *   read from a table too large for the caches.
 *
 * Neither can forget an entry that goes (another may share its bits or slot), so the filter is
 * rebuilt from the entries once as many went as are left, which keeps stale marks to a third
 * at most. Stale marks only send a lookup on to the records, never turn one away.
 */
export class FingerprintTable {
  /** log2 of the Int32 units per record: 1 (`high, low`) or 2 (`high, low, number`). */
  readonly #shift: number;
  /** `high, low` of each slot (and the slot's number in {@link #numbers}); low 0: empty. */
  #records: Int32Array;
  /** The same memory as {@link #records}, for the number in the second half of a record. */
  #numbers: Float64Array;
  /** Expiry time of each slot. */
  #expiries: Float64Array;
  /** Sample of each slot's value, to count it out of the filter when it goes. */
  #samples: Int32Array;
  /** Without a number: the Bloom filter's words; see {@link wordOf} and {@link bitsOf}. */
  #filter: Int32Array;
  #filterMask: number;
  /** With a number: latest time per sample slot, see {@link latestMark}; 0: none there. */
  #latest: Uint32Array;
  #latestMask: number;
  #mask: number;
  #size = 0;
  /** Entries removed since the filter was last built: their bits may still be set. */
  #removed = 0;

  /** `withNumber`: whether each entry holds a number besides its expiry (the `sub` table). */
  constructor(withNumber: boolean) {
    this.#shift = withNumber ? 2 : 1;
    this.#records = new Int32Array(0);
    this.#numbers = new Float64Array(0);
    this.#expiries = new Float64Array(0);
    this.#samples = new Int32Array(0);
    this.#filter = new Int32Array(0);
    this.#filterMask = 0;
    this.#latest = new Uint32Array(0);
    this.#latestMask = 0;
    this.#mask = 0;
    this.#allocate(MIN_CAPACITY);
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held in the typed arrays. */
  get byteLength(): number {
    return (
      this.#records.byteLength +
      this.#expiries.byteLength +
      this.#samples.byteLength +
      this.#filter.byteLength +
      this.#latest.byteLength
    );
  }

  /**
   * The filter's entry for `sample`: a Bloom filter word, or in a table with a number the
   * latest time of the sample's slot. Judge it with {@link entryMayHold} or {@link
   * entryMayHoldAfter}; reading several tables' entries before judging any lets their cache
   * misses overlap.
   */
  filterEntry(sample: number): number {
    return this.#shift === 2
      ? (this.#latest[sample & this.#latestMask] ?? 0)
      : (this.#filter[wordOf(sample) & this.#filterMask] ?? 0);
  }

  /**
   * From a table without a number's {@link filterEntry} for `sample`: false when no entry has
   * this sample, so the value it came from is not in the table. True says only "maybe": the
   * fingerprint decides. An entry of 0 is always false.
   */
  static entryMayHold(entry: number, sample: number): boolean {
    const bits = bitsOf(sample);
    return (entry & bits) === bits;
  }

  /**
   * From a table with a number's {@link filterEntry}: false when no entry with the sample has a
   * number above `seconds * 1000`, so the value it came from is either absent or listed with
   * a number at or before that time. True (also for a NaN `seconds`) says only "maybe". An
   * entry of 0 is always false.
   */
  static entryMayHoldAfter(entry: number, seconds: number): boolean {
    return entry !== 0 && !(seconds >= entry && entry !== NEVER);
  }

  /** {@link entryMayHold} or, in a table with a number, whether any entry has the sample. */
  mayHold(sample: number): boolean {
    const entry = this.filterEntry(sample);
    return this.#shift === 2 ? entry !== 0 : FingerprintTable.entryMayHold(entry, sample);
  }

  /** {@link entryMayHoldAfter} of the entry for `sample`. */
  mayHoldAfter(sample: number, seconds: number): boolean {
    return FingerprintTable.entryMayHoldAfter(this.filterEntry(sample), seconds);
  }

  /** The slot holding the fingerprint, or -1. */
  find(high: number, low: number): number {
    const records = this.#records;
    const shift = this.#shift;
    const mask = this.#mask;
    let slot = high & mask;
    for (;;) {
      const at = slot << shift;
      const slotLow = records[at + 1];
      if (slotLow === 0) return -1;
      if (slotLow === low && records[at] === high) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** The extra number of the entry in `slot` (a slot {@link find} returned). */
  numberAt(slot: number): number {
    return this.#numbers[(slot << 1) + 1] ?? Number.NaN;
  }

  setNumberAt(slot: number, value: number): void {
    this.#numbers[(slot << 1) + 1] = value;
    this.#markLatest(this.#samples[slot] ?? 0, value);
  }

  /** The expiry time of the entry in `slot`. */
  expiryAt(slot: number): number {
    return this.#expiries[slot] ?? Number.NaN;
  }

  setExpiryAt(slot: number, value: number): void {
    this.#expiries[slot] = value;
  }

  /**
   * Add an entry for a fingerprint not in the table (`low` odd, so never 0), with the sample
   * of the same value; returns its slot.
   */
  insert(high: number, low: number, sample: number): number {
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#resize((this.#mask + 1) * 2);
    const records = this.#records;
    const shift = this.#shift;
    const mask = this.#mask;
    let slot = high & mask;
    while (records[(slot << shift) + 1] !== 0) slot = (slot + 1) & mask;
    records[slot << shift] = high;
    records[(slot << shift) + 1] = low;
    this.#samples[slot] = sample;
    if (shift === 2) this.#markLatest(sample, this.#numbers[(slot << 1) + 1] ?? 0);
    else addToFilter(this.#filter, this.#filterMask, sample);
    this.#size++;
    return slot;
  }

  /** Remove the entry in `slot` (a slot {@link find} returned). */
  removeAt(slot: number): void {
    const records = this.#records;
    const expiries = this.#expiries;
    const samples = this.#samples;
    const shift = this.#shift;
    const width = 1 << shift;
    const mask = this.#mask;
    let hole = slot;
    // Backward shift: move each later entry of the run into the hole unless its home slot
    // lies cyclically after the hole (then it is already as close to home as it can be).
    for (
      let next = (hole + 1) & mask;
      records[(next << shift) + 1] !== 0;
      next = (next + 1) & mask
    ) {
      const home = (records[next << shift] ?? 0) & mask;
      const homeAfterHole =
        hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (homeAfterHole) continue;
      records.copyWithin(hole << shift, next << shift, (next << shift) + width);
      expiries[hole] = expiries[next] ?? 0;
      samples[hole] = samples[next] ?? 0;
      hole = next;
    }
    records.fill(0, hole << shift, (hole << shift) + width);
    this.#size--;
    const capacity = mask + 1;
    if (capacity > MIN_CAPACITY && this.#size * 8 < capacity) this.#resize(capacity / 2);
    else if (++this.#removed > this.#size) this.#rebuildFilter();
  }

  /** Set the filter's bits afresh from the samples of the entries present. */
  #rebuildFilter(): void {
    const records = this.#records;
    const samples = this.#samples;
    const shift = this.#shift;
    const filter = this.#filter;
    const filterMask = this.#filterMask;
    filter.fill(0);
    this.#latest.fill(0);
    for (let slot = 0; slot < samples.length; slot++) {
      if (records[(slot << shift) + 1] === 0) continue;
      const sample = samples[slot] ?? 0;
      if (shift === 2) this.#markLatest(sample, this.#numbers[(slot << 1) + 1] ?? 0);
      else addToFilter(filter, filterMask, sample);
    }
    this.#removed = 0;
  }

  /** Raise the latest time of `sample`'s slot to cover `number`. */
  #markLatest(sample: number, number: number): void {
    const latest = this.#latest;
    const at = sample & this.#latestMask;
    const mark = latestMark(number);
    if (mark > (latest[at] ?? 0)) latest[at] = mark;
  }

  #allocate(capacity: number): void {
    // One buffer for both views, so a record and its number share a cache line.
    const buffer = new ArrayBuffer(capacity << (this.#shift + 2));
    this.#records = new Int32Array(buffer);
    this.#numbers = new Float64Array(this.#shift === 2 ? buffer : new ArrayBuffer(0));
    this.#expiries = new Float64Array(capacity);
    this.#samples = new Int32Array(capacity);
    const withNumber = this.#shift === 2;
    // One latest time per SLOTS_PER_LATEST slots, or FILTER_BITS_PER_SLOT bits per slot.
    const words = withNumber ? 0 : (capacity * FILTER_BITS_PER_SLOT) >>> 5;
    this.#filter = new Int32Array(words);
    this.#filterMask = words - 1;
    const latestSlots = capacity / SLOTS_PER_LATEST;
    this.#latest = new Uint32Array(withNumber ? latestSlots : 0);
    this.#latestMask = latestSlots - 1;
    this.#mask = capacity - 1;
    this.#size = 0;
    this.#removed = 0;
  }

  /** Rehash into `capacity` slots, building the filter afresh. */
  #resize(capacity: number): void {
    const oldRecords = this.#records;
    const oldNumbers = this.#numbers;
    const oldExpiries = this.#expiries;
    const oldSamples = this.#samples;
    const shift = this.#shift;
    this.#allocate(capacity);
    for (let slot = 0; slot < oldExpiries.length; slot++) {
      const at = slot << shift;
      const low = oldRecords[at + 1] ?? 0;
      if (low === 0) continue;
      const to = this.insert(oldRecords[at] ?? 0, low, oldSamples[slot] ?? 0);
      this.#expiries[to] = oldExpiries[slot] ?? 0;
      if (shift === 2) this.setNumberAt(to, oldNumbers[(slot << 1) + 1] ?? 0);
    }
  }
}

/** The filter word of a sample, before masking: its low bits (a sample has 30 bits). */
function wordOf(sample: number): number {
  return sample;
}

/**
 * The three bits a sample sets in its word: three 5-bit fields of the top of the sample times
 * the golden ratio, which depend on all of its bits, not only those that chose the word.
 */
function bitsOf(sample: number): number {
  const h = Math.imul(sample, 0x9e3779b1);
  return (1 << (h >>> 27)) | (1 << ((h >>> 22) & 31)) | (1 << ((h >>> 17) & 31));
}

function addToFilter(filter: Int32Array, filterMask: number, sample: number): void {
  const word = wordOf(sample) & filterMask;
  filter[word] = (filter[word] ?? 0) | bitsOf(sample);
}

/**
 * The mark of a time in ms in the latest-time filter: whole seconds, rounded up so that a time
 * in seconds at or after the mark is at or after the number (`seconds * 1000 >= number`), at
 * least 1 (0 marks an empty slot), and {@link NEVER} past 32 bits.
 */
function latestMark(number: number): number {
  let seconds = Math.ceil(number / 1000);
  // A guard: should the division round down to a whole number, the product below is exact.
  if (seconds * 1000 < number) seconds++;
  return seconds < 1 ? 1 : seconds < NEVER ? seconds : NEVER;
}
