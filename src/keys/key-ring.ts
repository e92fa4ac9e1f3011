import { systemClock, type Clock } from '../token/clock.js';
import { KeySet, type KeySetSource } from '../token/key-set.js';
import type { Jwks, Jwk } from '../token/jwk.js';
import type { SigningKey } from './signing-key.js';

/** Options of {@link KeyRing.rotate}. */
export interface RotateOptions {
  /**
   * How long the outgoing key still verifies after it stops signing: at least the longest
   * token lifetime plus clock tolerance, so no token it signed fails before it expires.
   */
  readonly overlapSeconds: number;
  /**
   * How long the incoming key is published (in the JWKS) before it starts signing: longer
   * than verifiers cache the JWKS, so none meets an unknown `kid`. Default 0 (at once).
   */
  readonly prepublishSeconds?: number;
}

/** Where a key is in its life. */
export type KeyState = 'pending' | 'active' | 'retiring';

/** One key of the ring and its schedule, in milliseconds since the epoch. */
export interface KeyRingEntry {
  readonly key: SigningKey;
  readonly state: KeyState;
  /** When a pending key starts signing. */
  readonly activatesAt?: number;
  /** When a retiring key stops verifying. */
  readonly retiresAt?: number;
}

/** A key and its schedule as a store keeps it (ms since the epoch). */
export interface ScheduledKey {
  readonly key: SigningKey;
  /** When it starts (or started) signing. */
  readonly activatesAt: number;
  /** When it stops verifying, once a successor signs; null while none is scheduled. */
  readonly retiresAt: number | null;
}

interface Scheduled {
  readonly key: SigningKey;
  readonly activatesAt: number;
  readonly overlapSeconds: number;
}

/**
 * The issuer's keys: one active signing key, at most one pending key (published, not yet
 * signing), and retiring keys that verify until their overlap ends. Schedules advance lazily
 * on each use, from the injected clock.
 *
 * @example
 * const ring = new KeyRing(await generateSigningKey());
 * ring.rotate(await generateSigningKey(), { overlapSeconds: 900 + 30, prepublishSeconds: 600 });
 */
export class KeyRing implements KeySetSource {
  #active: SigningKey;
  #pending: Scheduled | undefined;
  #retiring: { key: SigningKey; retiresAt: number }[] = [];
  #keySet: KeySet;
  #nextChangeAt = Number.POSITIVE_INFINITY;
  readonly #clock: Clock;

  constructor(active: SigningKey, options: { readonly clock?: Clock } = {}) {
    this.#active = active;
    this.#clock = options.clock ?? systemClock;
    this.#keySet = this.#buildKeySet();
  }

  /**
   * Rebuild a ring from a stored schedule: the key with the latest `activatesAt` not in the
   * future signs; at most one later key is pending; earlier keys verify until `retiresAt`.
   *
   * @throws TypeError when no key is active yet or more than one is pending.
   */
  static restore(
    entries: readonly ScheduledKey[],
    options: { readonly clock?: Clock } = {},
  ): KeyRing {
    const clock = options.clock ?? systemClock;
    const now = clock.now();
    const sorted = [...entries].sort((a, b) => a.activatesAt - b.activatesAt);
    const started = sorted.filter((entry) => entry.activatesAt <= now);
    const pending = sorted.filter((entry) => entry.activatesAt > now);
    const active = started.at(-1);
    if (active === undefined) throw new TypeError('no key is active yet');
    if (pending.length > 1) throw new TypeError('more than one key is pending');
    const ring = new KeyRing(active.key, { clock });
    ring.#retiring = started
      .slice(0, -1)
      .filter((entry) => entry.retiresAt !== null && entry.retiresAt > now)
      .map((entry) => ({ key: entry.key, retiresAt: entry.retiresAt ?? now }));
    const next = pending[0];
    if (next !== undefined) {
      ring.#pending = {
        key: next.key,
        activatesAt: next.activatesAt,
        overlapSeconds:
          (active.retiresAt === null ? 0 : active.retiresAt - next.activatesAt) / 1000,
      };
    }
    ring.#keySet = ring.#buildKeySet();
    return ring;
  }

  /** The key that signs now. */
  getSigningKey(): SigningKey {
    this.#advance();
    return this.#active;
  }

  /** Every key that verifies now (active, pending and retiring), as an immutable set. */
  getKeySet(): KeySet {
    if (this.#clock.now() >= this.#nextChangeAt) this.#advance();
    return this.#keySet;
  }

  /**
   * Replace the active key with `next`. With `prepublishSeconds`, `next` is published at
   * once and signs only later; the outgoing key then verifies for `overlapSeconds` more.
   *
   * @throws TypeError when a rotation is already pending or the options are out of range.
   */
  rotate(next: SigningKey, options: RotateOptions): void {
    this.#advance();
    if (!Number.isFinite(options.overlapSeconds) || options.overlapSeconds < 0) {
      throw new TypeError('overlapSeconds must be a number of seconds, 0 or more');
    }
    const prepublish = options.prepublishSeconds ?? 0;
    if (!Number.isFinite(prepublish) || prepublish < 0) {
      throw new TypeError('prepublishSeconds must be a number of seconds, 0 or more');
    }
    if (this.#pending !== undefined) throw new TypeError('a rotation is already pending');
    if (this.#findKey(next.kid) !== undefined)
      throw new TypeError(`kid ${next.kid} is already in the ring`);
    this.#pending = {
      key: next,
      activatesAt: this.#clock.now() + prepublish * 1000,
      overlapSeconds: options.overlapSeconds,
    };
    this.#advance(true);
  }

  /**
   * Remove a key at once (a compromised key). The active key cannot be removed; rotate
   * away from it first. Returns false when no such key is in the ring.
   */
  remove(kid: string): boolean {
    this.#advance();
    if (kid === this.#active.kid)
      throw new TypeError('the active key cannot be removed; rotate first');
    if (this.#pending?.key.kid === kid) {
      this.#pending = undefined;
    } else {
      const before = this.#retiring.length;
      this.#retiring = this.#retiring.filter((entry) => entry.key.kid !== kid);
      if (this.#retiring.length === before) return false;
    }
    this.#advance(true);
    return true;
  }

  /** The ring's keys and their schedule. */
  list(): KeyRingEntry[] {
    this.#advance();
    const entries: KeyRingEntry[] = [{ key: this.#active, state: 'active' }];
    if (this.#pending)
      entries.push({
        key: this.#pending.key,
        state: 'pending',
        activatesAt: this.#pending.activatesAt,
      });
    for (const { key, retiresAt } of this.#retiring)
      entries.push({ key, state: 'retiring', retiresAt });
    return entries;
  }

  /** The public JWKS (RFC 7517 §5): asymmetric keys only, public members only. */
  toJwks(): Jwks {
    const keys: Jwk[] = [];
    for (const key of this.getKeySet().list()) {
      const signingKey = this.#findKey(key.kid);
      const jwk = signingKey?.getPublicJwk();
      if (jwk) keys.push(jwk);
    }
    return { keys };
  }

  #findKey(kid: string): SigningKey | undefined {
    if (this.#active.kid === kid) return this.#active;
    if (this.#pending?.key.kid === kid) return this.#pending.key;
    return this.#retiring.find((entry) => entry.key.kid === kid)?.key;
  }

  /** Apply due schedule changes; rebuild the key set when anything changed (or `force`). */
  #advance(force = false): void {
    const now = this.#clock.now();
    let changed = force;
    const pending = this.#pending;
    if (pending !== undefined && now >= pending.activatesAt) {
      this.#retiring.push({
        key: this.#active,
        retiresAt: pending.activatesAt + pending.overlapSeconds * 1000,
      });
      this.#active = pending.key;
      this.#pending = undefined;
      changed = true;
    }
    const kept = this.#retiring.filter((entry) => now < entry.retiresAt);
    if (kept.length !== this.#retiring.length) {
      this.#retiring = kept;
      changed = true;
    }
    if (changed) this.#keySet = this.#buildKeySet();
  }

  #buildKeySet(): KeySet {
    const keys = [this.#active.verificationKey];
    if (this.#pending) keys.push(this.#pending.key.verificationKey);
    let next = this.#pending?.activatesAt ?? Number.POSITIVE_INFINITY;
    for (const { key, retiresAt } of this.#retiring) {
      keys.push(key.verificationKey);
      next = Math.min(next, retiresAt);
    }
    this.#nextChangeAt = next;
    return new KeySet(keys);
  }
}
