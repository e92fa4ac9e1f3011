import { systemClock, type Clock } from '../token/clock.js';
import type { JwsHeader } from '../token/jws-header.js';
import type { JwtClaims } from '../token/jwt-claims.js';
import { ExpiryHeap } from './internal/expiry-heap.js';
import { FilteredMap } from './internal/filtered-map.js';
import { isRevocationKind, type RevocationEvent, type RevocationKind } from './revocation-event.js';

/** Options of {@link Denylist}. */
export interface DenylistOptions {
  /** Time source for expiry; default the system clock. Never read by {@link Denylist.isRevoked}. */
  readonly clock?: Clock;
}

/** A user's "revoked before" time and when the entry may go. Mutable: re-adds update in place. */
interface SubjectEntry {
  revokedBefore: number;
  expiresAt: number;
}

/**
 * The in-memory set of revocations every verifier holds, checked on every request.
 *
 * One map per kind, so a lookup hashes only the identifiers the token carries; a large map has
 * a Bloom filter in front, so that the usual answer, "not revoked", rarely waits on memory
 * beyond the CPU caches (see internal/filtered-map.ts). Every entry
 * carries its `expiresAt` and sits in a min-heap ordered by it; entries are dropped once due,
 * by {@link prune} and by {@link add} whenever the earliest entry is due, so memory follows the
 * number of revocations that can still matter, not the number ever made.
 *
 * @example
 * const denylist = new Denylist();
 * bus.subscribe((event) => denylist.add(event));
 * const verifier = new JwtVerifier({ ...options, isRevoked: (c, h) => denylist.isRevoked(c, h) });
 */
export class Denylist {
  /** Maps hold each value's `expiresAt`, so a stale heap entry can tell it was superseded. */
  readonly #jti = new FilteredMap<number>();
  readonly #sid = new FilteredMap<number>();
  readonly #sub = new FilteredMap<SubjectEntry>();
  // A token's kid comes from a cached header: the same string, hash cached, bucket in cache.
  // A filter would only add the cost of hashing it in JavaScript.
  readonly #kid = new FilteredMap<number>({ filtered: false });
  readonly #heap = new ExpiryHeap();
  readonly #clock: Clock;
  /** Bound once, so pruning allocates no closure. */
  readonly #dropIfDue = (kind: RevocationKind, value: string, dueAt: number): void => {
    this.#drop(kind, value, dueAt);
  };

  /** @throws TypeError when `clock` has no `now()`. */
  constructor(options: DenylistOptions = {}) {
    const clock = options.clock ?? systemClock;
    if (typeof (clock as Partial<Clock>).now !== 'function') {
      throw new TypeError('clock must have a now() method');
    }
    this.#clock = clock;
  }

  /**
   * Record `event`. Idempotent: adding the same event again changes nothing. For `sub` the
   * latest "revoked before" time wins; for every kind the latest `expiresAt` wins. An event
   * already expired is ignored: nothing it could match can still be valid.
   *
   * @throws TypeError for an event that is not a well-formed {@link RevocationEvent}.
   * @example
   * denylist.add({ kind: 'sub', value: 'user-1', at: Date.now(), expiresAt: Date.now() + 960_000 });
   */
  add(event: RevocationEvent): void {
    this.#add(event, this.#clock.now());
  }

  /**
   * Record every event of `events` (a replay of the log, say), reading the clock once.
   *
   * @throws TypeError as {@link add}; events before the faulty one are kept.
   * @example
   * denylist.addAll(await store.revocationsAfter(0));
   */
  addAll(events: Iterable<RevocationEvent>): void {
    const now = this.#clock.now();
    for (const event of events) this.#add(event, now);
  }

  /**
   * True when a verified token is revoked: its `jti`, `sid` or header `kid` is listed, or its
   * `sub` is listed with a "revoked before" time after the token's `iat`. A token of a listed
   * `sub` without `iat` is revoked: with no issue time, it could be older than the revocation.
   *
   * Expects what JwtVerifier hands its `isRevoked` hook: claims and header whose `jti`, `sid`,
   * `sub` and `kid` are strings when present (a verifier checks that before anything else).
   *
   * This is the hot path: it allocates nothing and reads no clock. An entry past its
   * `expiresAt` but not yet pruned may still reject a token, which is safe: `expiresAt` is when
   * no token the entry matches can still pass the verifier's own `exp` check.
   *
   * `kid` is the id of the key that verified the token (JwtVerifier passes it); it defaults
   * to the header's, which a token verified by the only key of a set may not carry.
   *
   * @example
   * if (denylist.isRevoked(result.claims, result.header, result.key.kid)) throw new Error('revoked');
   */
  isRevoked(claims: JwtClaims, header: JwsHeader, kid: string | undefined = header.kid): boolean {
    const jti = claims.jti;
    if (jti !== undefined && this.#jti.size !== 0 && this.#jti.has(jti)) return true;
    const sid = claims.sid;
    if (sid !== undefined && this.#sid.size !== 0 && this.#sid.has(sid)) return true;
    const sub = claims.sub;
    if (sub !== undefined && this.#sub.size !== 0) {
      const entry = this.#sub.get(sub);
      if (entry !== undefined) {
        const iat = claims.iat;
        // `iat` is in seconds, `revokedBefore` in ms. Written as !(>=) so that a missing or
        // non-numeric `iat` (NaN included) counts as revoked: fail closed.
        if (typeof iat !== 'number' || !(iat * 1000 >= entry.revokedBefore)) return true;
      }
    }
    return kid !== undefined && this.#kid.size !== 0 && this.#kid.has(kid);
  }

  /**
   * Drop every entry whose `expiresAt` is at or before `now` (default: the clock's time).
   * Returns how many entries went. Costs O(log n) per entry dropped, nothing for the rest.
   *
   * @example
   * setInterval(() => denylist.prune(), 60_000).unref();
   */
  prune(now: number = this.#clock.now()): number {
    const before = this.size;
    this.#heap.popDue(now, this.#dropIfDue);
    return before - this.size;
  }

  /** Number of entries, all kinds together. */
  get size(): number {
    return this.#jti.size + this.#sid.size + this.#sub.size + this.#kid.size;
  }

  /**
   * Number of entries of each kind.
   *
   * @example
   * const { jti, sid, sub, kid } = denylist.sizes();
   */
  sizes(): Record<RevocationKind, number> {
    return { jti: this.#jti.size, sid: this.#sid.size, sub: this.#sub.size, kid: this.#kid.size };
  }

  #add(event: RevocationEvent, now: number): void {
    checkEvent(event);
    // Amortised pruning: each entry is popped once, so this costs O(log n) per add overall.
    if (this.#heap.peekTime() <= now) this.prune(now);
    const { kind, value, at, expiresAt } = event;
    if (expiresAt <= now) return;
    if (kind === 'sub') {
      const entry = this.#sub.get(value);
      if (entry === undefined) {
        this.#sub.set(value, { revokedBefore: at, expiresAt });
        this.#heap.push(expiresAt, kind, value);
        return;
      }
      if (at > entry.revokedBefore) entry.revokedBefore = at;
      if (expiresAt > entry.expiresAt) {
        entry.expiresAt = expiresAt;
        // The earlier heap entry stays behind; #drop recognises it as stale.
        this.#heap.push(expiresAt, kind, value);
      }
      return;
    }
    const map = this.#mapOf(kind);
    const current = map.get(value);
    if (current !== undefined && current >= expiresAt) return;
    map.set(value, expiresAt);
    this.#heap.push(expiresAt, kind, value);
  }

  /**
   * Remove `value` if its current entry is the one that fell due at `dueAt`. A later re-add
   * moved its `expiresAt` past `dueAt`, and then the popped heap entry is stale: keep it.
   */
  #drop(kind: RevocationKind, value: string, dueAt: number): void {
    if (kind === 'sub') {
      const entry = this.#sub.get(value);
      if (entry !== undefined && entry.expiresAt <= dueAt) this.#sub.delete(value);
      return;
    }
    const map = this.#mapOf(kind);
    const expiresAt = map.get(value);
    if (expiresAt !== undefined && expiresAt <= dueAt) map.delete(value);
  }

  #mapOf(kind: Exclude<RevocationKind, 'sub'>): FilteredMap<number> {
    switch (kind) {
      case 'jti':
        return this.#jti;
      case 'sid':
        return this.#sid;
      case 'kid':
        return this.#kid;
    }
  }
}

/** Events come from buses and logs; a malformed one must fail loudly, not half-apply. */
function checkEvent(event: RevocationEvent): void {
  if (typeof event !== 'object' || (event as unknown) === null) {
    throw new TypeError('revocation event must be an object');
  }
  if (!isRevocationKind(event.kind)) throw new TypeError('revocation event has an unknown kind');
  if (typeof event.value !== 'string' || event.value.length === 0) {
    throw new TypeError('revocation event value must be a non-empty string');
  }
  if (!Number.isFinite(event.at) || !Number.isFinite(event.expiresAt)) {
    throw new TypeError('revocation event at and expiresAt must be finite numbers (ms)');
  }
}
