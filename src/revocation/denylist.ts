import { systemClock, type Clock } from '../token/clock.js';
import type { JwsHeader } from '../token/jws-header.js';
import type { JwtClaims } from '../token/jwt-claims.js';
import { ExpiryHeap } from './internal/expiry-heap.js';
import { FingerprintTable } from './internal/fingerprint-table.js';
import { Fingerprinter } from './internal/fingerprint.js';
import { isRevocationKind, type RevocationEvent, type RevocationKind } from './revocation-event.js';

/** Options of {@link Denylist}. */
export interface DenylistOptions {
  /** Time source for expiry; default the system clock. Never read by {@link Denylist.isRevoked}. */
  readonly clock?: Clock;
}

/** Table indices, as the expiry heap records them. */
const JTI = 0;
const SID = 1;
const SUB = 2;
const KID = 3;
const KIND_INDEX: Readonly<Record<RevocationKind, number>> = {
  jti: JTI,
  sid: SID,
  sub: SUB,
  kid: KID,
};
/**
 * The in-memory set of revocations every verifier holds, checked on every request.
 *
 * One table per kind, so a lookup hashes only the identifiers the token carries, and skips
 * kinds with no entries. Entries are fingerprints of the values in typed arrays, not the
 * strings themselves (see internal/fingerprint.ts): a million entries take about 80 MB outside
 * the garbage-collected heap, and cost the rest of the process nothing at collection time. A
 * fingerprint shared by two values (about one chance in 10^13 per lookup at a million entries)
 * can only refuse a token, never accept one.
 *
 * Each table has a filter in front (see internal/fingerprint-table.ts), asked with a sample of
 * the first and last four characters of the value: most values that are not listed, and most
 * subs listed before the token was issued, end there, without reading the whole value or a
 * record.
 *
 * Every entry carries its `expiresAt` and sits in a min-heap ordered by it; entries are dropped
 * once due, by {@link prune} and by {@link add} whenever the earliest entry is due, so memory
 * follows the number of revocations that can still matter, not the number ever made.
 *
 * @example
 * const denylist = new Denylist();
 * bus.subscribe((event) => denylist.add(event));
 * const verifier = new JwtVerifier({ ...options, isRevoked: (c, h) => denylist.isRevoked(c, h) });
 */
export class Denylist {
  readonly #fingerprint = new Fingerprinter();
  /** One table per kind; the `sub` table's number is the "revoked before" time. */
  readonly #jtis = new FingerprintTable(false);
  readonly #sids = new FingerprintTable(false);
  readonly #subs = new FingerprintTable(true);
  readonly #kids = new FingerprintTable(false);
  /** Indexed by {@link KIND_INDEX}. */
  readonly #tables: readonly FingerprintTable[] = [this.#jtis, this.#sids, this.#subs, this.#kids];
  readonly #heap = new ExpiryHeap();
  readonly #clock: Clock;
  /**
   * The kid looked up last and whether it is listed; forgotten whenever a kid entry comes or
   * goes. Tokens signed by one key carry one kid, so most lookups end at this comparison
   * instead of reading the kid table, which after a slow verify (EdDSA, RSA) is a cache miss.
   */
  #lastKid: string | undefined;
  #lastKidListed = false;
  /** Bound once, so pruning allocates no closure. */
  readonly #dropIfDue = (kind: number, high: number, low: number, dueAt: number): void => {
    const table = this.#tableAt(kind);
    const slot = table.find(high, low);
    // A later re-add moved the entry's expiresAt past dueAt: the popped heap entry is stale.
    if (slot >= 0 && table.expiryAt(slot) <= dueAt) {
      table.removeAt(slot);
      if (kind === KID) this.#lastKid = undefined;
    }
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
    const fingerprint = this.#fingerprint;
    const jti = claims.jti;
    const sid = claims.sid;
    const sub = claims.sub;
    const jtis = this.#jtis;
    const sids = this.#sids;
    const subs = this.#subs;
    // All three filter reads first, then the judgements. With a large list each read is
    // likely a cache miss; issued back to back, with nothing between them that waits on the
    // first, the three misses overlap instead of queuing (measured: 6.0% instead of 7.8% of an
    // HS256 verify over 1,024 distinct tokens and a 1M list). A claim the token lacks, or a
    // kind with no entries, is neither sampled nor read (-1, entry 0: "not listed").
    const jtiSample = jti !== undefined && jtis.size !== 0 ? fingerprint.sample(jti) : -1;
    const sidSample = sid !== undefined && sids.size !== 0 ? fingerprint.sample(sid) : -1;
    const subSample = sub !== undefined && subs.size !== 0 ? fingerprint.sample(sub) : -1;
    const jtiEntry = jtiSample < 0 ? 0 : jtis.filterEntry(jtiSample);
    const sidEntry = sidSample < 0 ? 0 : sids.filterEntry(sidSample);
    const subEntry = subSample < 0 ? 0 : subs.filterEntry(subSample);
    if (jti !== undefined && FingerprintTable.entryMayHold(jtiEntry, jtiSample)) {
      fingerprint.compute(jti);
      if (jtis.find(fingerprint.high, fingerprint.low) >= 0) return true;
    }
    if (sid !== undefined && FingerprintTable.entryMayHold(sidEntry, sidSample)) {
      fingerprint.compute(sid);
      if (sids.find(fingerprint.high, fingerprint.low) >= 0) return true;
    }
    if (sub !== undefined) {
      const iat = claims.iat;
      // The sub filter also answers "revoked after iat?" per sample: a token issued after its
      // user's last log-out-everywhere, the usual case for a listed sub, ends here.
      const seconds = typeof iat === 'number' ? iat : Number.NaN;
      if (FingerprintTable.entryMayHoldAfter(subEntry, seconds)) {
        fingerprint.compute(sub);
        const slot = subs.find(fingerprint.high, fingerprint.low);
        // `iat` is in seconds, `revokedBefore` in ms. Written as !(>=) so that a missing or
        // non-numeric `iat` (NaN included) counts as revoked: fail closed.
        if (slot >= 0 && !(seconds * 1000 >= subs.numberAt(slot))) return true;
      }
    }
    const kids = this.#kids;
    if (kid === undefined || kids.size === 0) return false;
    if (kid !== this.#lastKid) {
      fingerprint.compute(kid);
      this.#lastKidListed = kids.find(fingerprint.high, fingerprint.low) >= 0;
      this.#lastKid = kid;
    }
    return this.#lastKidListed;
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
    return this.#jtis.size + this.#sids.size + this.#subs.size + this.#kids.size;
  }

  /**
   * Number of entries of each kind.
   *
   * @example
   * const { jti, sid, sub, kid } = denylist.sizes();
   */
  sizes(): Record<RevocationKind, number> {
    return {
      jti: this.#jtis.size,
      sid: this.#sids.size,
      sub: this.#subs.size,
      kid: this.#kids.size,
    };
  }

  /** Bytes the denylist's tables and expiry heap hold (all outside the garbage-collected heap). */
  get byteLength(): number {
    let bytes = this.#heap.byteLength;
    for (const table of this.#tables) bytes += table.byteLength;
    return bytes;
  }

  #tableAt(index: number): FingerprintTable {
    const table = this.#tables[index];
    if (table === undefined) throw new RangeError(`no denylist table ${index}`);
    return table;
  }

  #add(event: RevocationEvent, now: number): void {
    checkEvent(event);
    // Amortised pruning: each entry is popped once, so this costs O(log n) per add overall.
    if (this.#heap.peekTime() <= now) this.prune(now);
    const { kind, value, at, expiresAt } = event;
    if (expiresAt <= now) return;
    const index = KIND_INDEX[kind];
    const table = this.#tableAt(index);
    const fingerprint = this.#fingerprint;
    const sample = fingerprint.sample(value);
    fingerprint.compute(value);
    const { high, low } = fingerprint;
    let slot = table.find(high, low);
    if (slot < 0) {
      slot = table.insert(high, low, sample);
      if (index === KID) this.#lastKid = undefined;
      table.setExpiryAt(slot, expiresAt);
      if (index === SUB) table.setNumberAt(slot, at);
      this.#heap.push(expiresAt, index, high, low);
      return;
    }
    if (index === SUB && at > table.numberAt(slot)) table.setNumberAt(slot, at);
    if (expiresAt > table.expiryAt(slot)) {
      table.setExpiryAt(slot, expiresAt);
      // The earlier heap entry stays behind; #dropIfDue recognises it as stale.
      this.#heap.push(expiresAt, index, high, low);
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
