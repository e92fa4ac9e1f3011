/**
 * A map of entries that each expire at a time of their own, holding at most `maxEntries`: when
 * full, expired entries go first, then the oldest tenth. Memory stays bounded whatever clients
 * send; forgetting early only costs one more call to the auth server.
 */
export class ExpiringMemory<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly until: number }>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** The value kept for `key`, or undefined when none or expired at `now`. */
  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keep `value` for `key` until `until` (ms since the epoch). */
  set(key: string, value: V, until: number, now: number): void {
    if (!this.#entries.has(key) && this.#entries.size >= this.#maxEntries) this.#forget(now);
    this.#entries.set(key, { value, until });
  }

  get size(): number {
    return this.#entries.size;
  }

  #forget(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(key);
    if (this.#entries.size < this.#maxEntries) return;
    let drop = Math.ceil(this.#maxEntries / 10);
    for (const key of this.#entries.keys()) {
      if (drop-- <= 0) break;
      this.#entries.delete(key);
    }
  }
}
