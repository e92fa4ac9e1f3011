import type { KeySet } from '../key-set.js';
import type { VerifiedJwt } from '../verified-jwt.js';

interface Entry {
  readonly result: VerifiedJwt;
  /** The key set that verified the token; a different current set means a miss. */
  readonly keySet: KeySet;
}

/**
 * Verified tokens by their full text, bounded. When full, the oldest entry goes (a Map keeps
 * insertion order), which costs nothing on the hit path.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get(token: string): Entry | undefined {
    return this.#entries.get(token);
  }

  set(token: string, result: VerifiedJwt, keySet: KeySet): void {
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { result, keySet });
  }

  get size(): number {
    return this.#entries.size;
  }
}
