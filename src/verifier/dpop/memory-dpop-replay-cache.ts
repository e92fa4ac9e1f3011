import { systemClock, type Clock } from '../../token/clock.js';
import { ReplayCacheUnavailableError, type DpopReplayCache } from './dpop-replay-cache.js';

/** Options of {@link MemoryDpopReplayCache}. */
export interface MemoryDpopReplayCacheOptions {
  /** Most ids held at once; default 100 000, 1 to 10 000 000. */
  readonly maxEntries?: number;
  /** Time source; default the system clock. */
  readonly clock?: Clock;
}

const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * A replay cache for one process. Ids are forgotten once their proofs have expired. When it
 * is full of ids that have not, it refuses to answer rather than forget one early (which
 * would let that proof be replayed): size it above the proofs per window you expect, or use
 * {@link RedisDpopReplayCache}, which several processes share as well.
 *
 * @example
 * const cache = new MemoryDpopReplayCache({ maxEntries: 50_000 });
 */
export class MemoryDpopReplayCache implements DpopReplayCache {
  readonly #maxEntries: number;
  readonly #clock: Clock;
  /** id → expiry (ms); insertion order is roughly expiry order, which pruning relies on. */
  readonly #entries = new Map<string, number>();

  /** @throws TypeError for a `maxEntries` out of range. */
  constructor(options: MemoryDpopReplayCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1 || maxEntries > 10_000_000) {
      throw new TypeError('maxEntries must be a whole number from 1 to 10000000');
    }
    this.#maxEntries = maxEntries;
    this.#clock = options.clock ?? systemClock;
  }

  /** How many ids are held now. */
  get size(): number {
    return this.#entries.size;
  }

  markSeen(id: string, expiresAtMs: number): Promise<boolean> {
    const now = this.#clock.now();
    const known = this.#entries.get(id);
    if (known !== undefined && known > now) return Promise.resolve(false);
    if (known !== undefined) this.#entries.delete(id);
    if (this.#entries.size >= this.#maxEntries) this.#prune(now);
    if (this.#entries.size >= this.#maxEntries) {
      return Promise.reject(
        new ReplayCacheUnavailableError('the DPoP replay cache is full of unexpired proofs'),
      );
    }
    // An id that is already expired needs no memory: its proof is refused by its iat anyway.
    if (expiresAtMs > now) this.#entries.set(id, expiresAtMs);
    return Promise.resolve(true);
  }

  /**
   * Drop expired ids. Proof lifetimes are all alike, so the oldest insertions expire first and
   * a sweep from the front usually suffices; only when that frees nothing is the whole map
   * swept (an id with a longer life may sit in front of expired ones).
   */
  #prune(now: number): void {
    for (const [id, expiresAt] of this.#entries) {
      if (expiresAt > now) break;
      this.#entries.delete(id);
    }
    if (this.#entries.size < this.#maxEntries) return;
    for (const [id, expiresAt] of this.#entries) {
      if (expiresAt <= now) this.#entries.delete(id);
    }
  }
}
