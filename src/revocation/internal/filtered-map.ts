import { MembershipFilter } from './membership-filter.js';

/**
 * Below this many entries a map fits the CPU caches well enough that a filter in front would
 * only add the cost of hashing; at and above it, lookups go through a {@link MembershipFilter}.
 */
export const FILTER_MIN_ENTRIES = 16_384;

/**
 * A `Map` from strings with a Bloom filter in front once it is large, so that lookups of absent
 * keys (most of them: most tokens are not revoked) rarely touch the map's memory. Only the
 * methods the denylist uses.
 */
export class FilteredMap<V> {
  readonly #map = new Map<string, V>();
  readonly #filtered: boolean;
  #filter: MembershipFilter | null = null;

  /** `filtered: false` for keys looked up again and again, whose map entry stays in cache. */
  constructor(options: { readonly filtered: boolean } = { filtered: true }) {
    this.#filtered = options.filtered;
  }

  get size(): number {
    return this.#map.size;
  }

  has(key: string): boolean {
    const filter = this.#filter;
    if (filter !== null && !filter.mightContain(key)) return false;
    return this.#map.has(key);
  }

  get(key: string): V | undefined {
    const filter = this.#filter;
    if (filter !== null && !filter.mightContain(key)) return undefined;
    return this.#map.get(key);
  }

  set(key: string, value: V): void {
    const map = this.#map;
    const before = map.size;
    map.set(key, value);
    if (map.size === before) return;
    const filter = this.#filter;
    if (filter === null) {
      if (this.#filtered && map.size >= FILTER_MIN_ENTRIES) this.#rebuild();
    } else if (filter.isFull) {
      // Rebuilding from live keys sheds the bits of deleted ones; it happens after as many
      // insertions as there were keys at the last build, so its O(n) is O(1) per insertion.
      this.#rebuild();
    } else {
      filter.add(key);
    }
  }

  delete(key: string): void {
    // The key's bits stay in the filter: a false "maybe" for it until the next rebuild.
    if (this.#map.delete(key) && this.#filter !== null && this.#map.size < FILTER_MIN_ENTRIES / 2) {
      this.#filter = null;
    }
  }

  #rebuild(): void {
    const filter = new MembershipFilter(this.#map.size);
    for (const key of this.#map.keys()) filter.add(key);
    this.#filter = filter;
  }
}
