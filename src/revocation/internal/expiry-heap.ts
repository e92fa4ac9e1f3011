import type { RevocationKind } from '../revocation-event.js';

/**
 * A binary min-heap of `(expiresAt, kind, value)` ordered by `expiresAt`, so the denylist finds
 * what is due in O(log n) per entry instead of scanning every entry.
 *
 * The three fields live in three parallel arrays rather than one object per entry: a million
 * entries then cost three array slots each (the times stay unboxed doubles) instead of a
 * million small objects for the garbage collector to trace.
 *
 * The heap does not know whether an entry is still current: the denylist re-checks each popped
 * entry against its maps, so an entry left behind when a value was re-added with a later expiry
 * ("stale") is harmless.
 */
export class ExpiryHeap {
  readonly #times: number[] = [];
  readonly #kinds: RevocationKind[] = [];
  readonly #values: string[] = [];

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.#times.length;
  }

  /** The earliest `expiresAt`, or `Infinity` when empty (so `top <= now` is never true). */
  peekTime(): number {
    return this.#times[0] ?? Number.POSITIVE_INFINITY;
  }

  push(expiresAt: number, kind: RevocationKind, value: string): void {
    const times = this.#times;
    const kinds = this.#kinds;
    const values = this.#values;
    // Sift up by moving parents down into the hole, then write the new entry once.
    let hole = times.length;
    times.push(expiresAt);
    kinds.push(kind);
    values.push(value);
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const parentTime = times[parent] ?? Number.NEGATIVE_INFINITY;
      if (parentTime <= expiresAt) break;
      this.#move(parent, hole);
      hole = parent;
    }
    this.#write(hole, expiresAt, kind, value);
  }

  /**
   * Remove every entry with `expiresAt <= now`, earliest first, handing each to `visit`.
   * Returns how many were removed.
   */
  popDue(
    now: number,
    visit: (kind: RevocationKind, value: string, expiresAt: number) => void,
  ): number {
    let removed = 0;
    for (;;) {
      const top = this.#times[0];
      if (top === undefined || top > now) return removed;
      const kind = this.#kinds[0];
      const value = this.#values[0];
      this.#removeTop();
      removed++;
      if (kind !== undefined && value !== undefined) visit(kind, value, top);
    }
  }

  #removeTop(): void {
    const times = this.#times;
    const lastTime = times.pop();
    const lastKind = this.#kinds.pop();
    const lastValue = this.#values.pop();
    const count = times.length;
    if (count === 0 || lastTime === undefined || lastKind === undefined || lastValue === undefined)
      return;
    // Sift the former last entry down from the root.
    let hole = 0;
    for (;;) {
      const left = 2 * hole + 1;
      if (left >= count) break;
      const right = left + 1;
      let child = left;
      let childTime = times[left] ?? Number.POSITIVE_INFINITY;
      if (right < count) {
        const rightTime = times[right] ?? Number.POSITIVE_INFINITY;
        if (rightTime < childTime) {
          child = right;
          childTime = rightTime;
        }
      }
      if (lastTime <= childTime) break;
      this.#move(child, hole);
      hole = child;
    }
    this.#write(hole, lastTime, lastKind, lastValue);
  }

  // Indices passed here are always in range; the fallbacks only satisfy noUncheckedIndexedAccess.
  #move(from: number, to: number): void {
    this.#times[to] = this.#times[from] ?? Number.POSITIVE_INFINITY;
    this.#kinds[to] = this.#kinds[from] ?? 'jti';
    this.#values[to] = this.#values[from] ?? '';
  }

  #write(index: number, expiresAt: number, kind: RevocationKind, value: string): void {
    this.#times[index] = expiresAt;
    this.#kinds[index] = kind;
    this.#values[index] = value;
  }
}
