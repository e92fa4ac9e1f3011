/** Smallest number of entries the arrays hold room for. */
const MIN_CAPACITY = 64;

/** What {@link ExpiryHeap.popDue} hands back for each entry: its table, fingerprint and time. */
export type DueVisitor = (kind: number, high: number, low: number, expiresAt: number) => void;

/**
 * A binary min-heap of `(expiresAt, kind, fingerprint)` ordered by `expiresAt`, so the denylist
 * finds what is due in O(log n) per entry instead of scanning every entry. `kind` is a small
 * integer naming one of the denylist's tables.
 *
 * The fields live in parallel typed arrays that grow and shrink by halves: a million entries
 * cost 17 bytes each, and nothing the garbage collector has to trace.
 *
 * The heap does not know whether an entry is still current: the denylist re-checks each popped
 * entry against its tables, so an entry left behind when a value was re-added with a later
 * expiry ("stale") is harmless.
 */
export class ExpiryHeap {
  #times = new Float64Array(MIN_CAPACITY);
  #kinds = new Uint8Array(MIN_CAPACITY);
  #highs = new Int32Array(MIN_CAPACITY);
  #lows = new Int32Array(MIN_CAPACITY);
  #size = 0;

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held in the typed arrays. */
  get byteLength(): number {
    return this.#times.length * 17;
  }

  /** The earliest `expiresAt`, or `Infinity` when empty (so `top <= now` is never true). */
  peekTime(): number {
    return this.#size === 0 ? Number.POSITIVE_INFINITY : (this.#times[0] ?? 0);
  }

  push(expiresAt: number, kind: number, high: number, low: number): void {
    if (this.#size === this.#times.length) this.#resize(this.#size * 2);
    const times = this.#times;
    // Sift up by moving parents down into the hole, then write the new entry once.
    let hole = this.#size++;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      if ((times[parent] ?? 0) <= expiresAt) break;
      this.#move(parent, hole);
      hole = parent;
    }
    this.#write(hole, expiresAt, kind, high, low);
  }

  /**
   * Remove every entry with `expiresAt <= now`, earliest first, handing each to `visit`.
   * Returns how many were removed.
   */
  popDue(now: number, visit: DueVisitor): number {
    let removed = 0;
    while (this.#size > 0) {
      const top = this.#times[0] ?? 0;
      if (top > now) break;
      const kind = this.#kinds[0] ?? 0;
      const high = this.#highs[0] ?? 0;
      const low = this.#lows[0] ?? 0;
      this.#removeTop();
      removed++;
      visit(kind, high, low, top);
    }
    const capacity = this.#times.length;
    if (capacity > MIN_CAPACITY && this.#size * 4 < capacity) this.#resize(capacity / 2);
    return removed;
  }

  #removeTop(): void {
    const count = --this.#size;
    if (count === 0) return;
    const times = this.#times;
    const lastTime = times[count] ?? 0;
    const lastKind = this.#kinds[count] ?? 0;
    const lastHigh = this.#highs[count] ?? 0;
    const lastLow = this.#lows[count] ?? 0;
    // Sift the former last entry down from the root.
    let hole = 0;
    for (;;) {
      const left = 2 * hole + 1;
      if (left >= count) break;
      const right = left + 1;
      let child = left;
      let childTime = times[left] ?? 0;
      if (right < count) {
        const rightTime = times[right] ?? 0;
        if (rightTime < childTime) {
          child = right;
          childTime = rightTime;
        }
      }
      if (lastTime <= childTime) break;
      this.#move(child, hole);
      hole = child;
    }
    this.#write(hole, lastTime, lastKind, lastHigh, lastLow);
  }

  // In-bounds typed-array reads are never undefined; `?? 0` only satisfies the compiler.
  #move(from: number, to: number): void {
    this.#times[to] = this.#times[from] ?? 0;
    this.#kinds[to] = this.#kinds[from] ?? 0;
    this.#highs[to] = this.#highs[from] ?? 0;
    this.#lows[to] = this.#lows[from] ?? 0;
  }

  #write(index: number, expiresAt: number, kind: number, high: number, low: number): void {
    this.#times[index] = expiresAt;
    this.#kinds[index] = kind;
    this.#highs[index] = high;
    this.#lows[index] = low;
  }

  #resize(capacity: number): void {
    const size = this.#size;
    const times = new Float64Array(capacity);
    const kinds = new Uint8Array(capacity);
    const highs = new Int32Array(capacity);
    const lows = new Int32Array(capacity);
    times.set(this.#times.subarray(0, size));
    kinds.set(this.#kinds.subarray(0, size));
    highs.set(this.#highs.subarray(0, size));
    lows.set(this.#lows.subarray(0, size));
    this.#times = times;
    this.#kinds = kinds;
    this.#highs = highs;
    this.#lows = lows;
  }
}
