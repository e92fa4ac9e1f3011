import { KeyError } from './errors.js';
import type { VerificationKey } from './verification-key.js';

/**
 * An immutable set of verification keys, looked up by `kid`. A new set replaces the old one
 * when keys change, so a cache can tell by identity whether the keys it trusted still hold.
 */
export class KeySet {
  readonly #byKid: ReadonlyMap<string, VerificationKey>;
  readonly #only: VerificationKey | undefined;

  /**
   * @throws KeyError `ERR_KEY_INVALID` when two keys share a `kid`.
   * @example
   * const keys = new KeySet([createVerificationKey(publicKey, 'EdDSA', 'k1')]);
   */
  constructor(keys: Iterable<VerificationKey>) {
    const byKid = new Map<string, VerificationKey>();
    for (const key of keys) {
      if (byKid.has(key.kid))
        throw new KeyError('ERR_KEY_INVALID', `duplicate kid ${JSON.stringify(key.kid)}`);
      byKid.set(key.kid, key);
    }
    this.#byKid = byKid;
    this.#only = byKid.size === 1 ? byKid.values().next().value : undefined;
  }

  /**
   * The key a token names with `kid`, or the only key when the token names none. A token
   * without `kid` is refused when there are several keys: guessing would let it pick.
   */
  find(kid: string | undefined): VerificationKey | null {
    if (kid === undefined) return this.#only ?? null;
    return this.#byKid.get(kid) ?? null;
  }

  /** Number of keys. */
  get size(): number {
    return this.#byKid.size;
  }

  /** The keys, in insertion order. */
  list(): VerificationKey[] {
    return [...this.#byKid.values()];
  }

  /** This set, so a `KeySet` can stand wherever a {@link KeySetSource} is expected. */
  getKeySet(): this {
    return this;
  }
}

/** Anything that can hand out the current key set: a `KeySet`, a key ring, a JWKS cache. */
export interface KeySetSource {
  getKeySet(): KeySet;
}
