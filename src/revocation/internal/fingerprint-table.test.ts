import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FingerprintTable } from './fingerprint-table.js';

// The table must answer exactly as a Map keyed by the fingerprint would, through growth,
// deletions in the middle of probe runs (backward shift), wrap-around and shrinking, and its
// filter must never turn away an entry that is present.

type Op =
  | { readonly op: 'set'; readonly key: number; readonly value: number }
  | {
      readonly op: 'remove';
      readonly key: number;
    };

/** Few distinct `high` bits, so many keys share a home slot and runs get long. */
const fingerprintOf = (key: number): [number, number] => [key % 7, key * 2 + 1];
/** Few distinct samples too, so entries share filter bits and a removal must not clear them. */
const sampleOf = (key: number): number => (key % 11) * 0x1234567;

describe('FingerprintTable', () => {
  it('answers as a Map through inserts, removals, growth and shrinking', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        op: fc.constant('set' as const),
        key: fc.integer({ min: 0, max: 200 }),
        value: fc.double({ noNaN: true }),
      }),
      fc.record({ op: fc.constant('remove' as const), key: fc.integer({ min: 0, max: 200 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), fc.boolean(), (ops, withNumber) => {
        const table = new FingerprintTable(withNumber);
        const reference = new Map<number, number>();
        for (const step of ops) {
          const [high, low] = fingerprintOf(step.key);
          const slot = table.find(high, low);
          if (step.op === 'set') {
            const at = slot >= 0 ? slot : table.insert(high, low, sampleOf(step.key));
            table.setExpiryAt(at, step.value);
            if (withNumber) table.setNumberAt(at, -step.value);
            reference.set(step.key, step.value);
          } else if (slot >= 0) {
            table.removeAt(slot);
            reference.delete(step.key);
          }
          expect(table.size).toBe(reference.size);
          for (const [key, value] of reference) {
            expect(table.mayHold(sampleOf(key))).toBe(true);
            // Never turned away at a time before the entry's number.
            if (withNumber) {
              for (const seconds of [Number.NaN, -value / 1000 - 1, -value / 1000 - 0.001]) {
                if (!(seconds * 1000 >= -value)) {
                  expect(table.mayHoldAfter(sampleOf(key), seconds)).toBe(true);
                }
              }
            }
          }
        }
        for (let key = 0; key <= 200; key++) {
          const [high, low] = fingerprintOf(key);
          const slot = table.find(high, low);
          expect(slot >= 0).toBe(reference.has(key));
          if (slot >= 0) {
            expect(table.expiryAt(slot)).toBe(reference.get(key));
            if (withNumber) expect(table.numberAt(slot)).toBe(-(reference.get(key) ?? 0));
          }
        }
      }),
    );
  });

  it('filters out samples it never saw, mostly', () => {
    const table = new FingerprintTable(false);
    for (let key = 0; key < 10_000; key++) table.insert(key * 31, key * 2 + 1, mixed(key));
    let passed = 0;
    for (let key = 10_000; key < 110_000; key++) if (table.mayHold(mixed(key))) passed++;
    // 10,000 entries in 32,768 slots of 16 filter bits, three set per entry: about 0.13% get
    // through (with 4 bits per slot and two per entry, 2.5%).
    expect(passed / 100_000).toBeLessThan(0.002);
  });

  it('clears the bits of removed entries once as many went as are left', () => {
    const table = new FingerprintTable(false);
    // Removed entries' samples all fall in filter word 0, the kept ones' in word 1 (256 slots
    // of 16 bits: 128 words, chosen by the sample's low bits).
    const gone = (key: number): number => key << 7;
    const kept = (key: number): number => (key << 7) | 1;
    for (let key = 0; key < 51; key++) table.insert(key * 31, key * 2 + 1, gone(key));
    for (let key = 51; key < 100; key++) table.insert(key * 31, key * 2 + 1, kept(key));
    // 100 entries take 256 slots; removing 51 leaves 49, not few enough to shrink the table.
    for (let key = 0; key < 50; key++) table.removeAt(table.find(key * 31, key * 2 + 1));
    // Still set: bits are not cleared one removal at a time (another entry may share them).
    expect(table.mayHold(gone(0))).toBe(true);
    table.removeAt(table.find(50 * 31, 50 * 2 + 1));
    for (let key = 0; key < 51; key++) expect(table.mayHold(gone(key))).toBe(false);
    for (let key = 51; key < 100; key++) expect(table.mayHold(kept(key))).toBe(true);
  });

  it('grows to stay at most half full and shrinks back when emptied', () => {
    const table = new FingerprintTable(false);
    const empty = table.byteLength;
    for (let key = 0; key < 10_000; key++) table.insert(key * 31, key * 2 + 1, key);
    // 10,000 entries at most half full: 32,768 slots of 8 (record) + 8 (expiry) + 4 (sample)
    // bytes and 16 filter bits.
    expect(table.byteLength).toBe(32_768 * 22);
    for (let key = 0; key < 10_000; key++) table.removeAt(table.find(key * 31, key * 2 + 1));
    expect(table.size).toBe(0);
    expect(table.byteLength).toBe(empty);
  });

  it('keeps the number in the record and a latest time per four slots instead of filter bits', () => {
    const plain = new FingerprintTable(false);
    const withNumber = new FingerprintTable(true);
    // 16 slots: 16 instead of 8 bytes of record; 4 latest times of 4 bytes instead of 16 bits
    // per slot.
    expect(withNumber.byteLength - plain.byteLength).toBe(16 * 8 + 4 * 4 - 16 * 2);
  });

  it('with a number: answers "maybe" only for a time before the latest number of a sample', () => {
    const table = new FingerprintTable(true);
    const k = 1_800_000_000;
    // 16 slots, 4 latest times: samples 4 to 7 have one each.
    table.setNumberAt(table.insert(1, 1, 4), k * 1000);
    table.setNumberAt(table.insert(2, 3, 4), k * 1000 - 60_000);
    // Same sample slot: the latest number counts, in whole seconds.
    expect(table.mayHoldAfter(4, k - 1)).toBe(true);
    expect(table.mayHoldAfter(4, k - 0.001)).toBe(true);
    expect(table.mayHoldAfter(4, k)).toBe(false);
    expect(table.mayHoldAfter(4, Number.NaN)).toBe(true);
    expect(table.mayHoldAfter(5, 0)).toBe(false);
    // Samples a multiple of four apart share a latest time.
    expect(table.mayHoldAfter(8, k - 1)).toBe(true);
    // A fraction of a second rounds the mark up to the next second.
    table.setNumberAt(table.insert(3, 5, 6), (k + 7) * 1000 + 0.5);
    expect(table.mayHoldAfter(6, k + 7)).toBe(true);
    expect(table.mayHoldAfter(6, k + 8)).toBe(false);
    // Beyond 32 bits of seconds, no time is late enough.
    table.setNumberAt(table.insert(4, 7, 7), 2 ** 33 * 1000);
    expect(table.mayHoldAfter(7, 2 ** 40)).toBe(true);
    // The slot of a removed entry is cleared once as many entries went as are left.
    table.removeAt(table.find(1, 1));
    table.removeAt(table.find(2, 3));
    table.removeAt(table.find(3, 5));
    expect(table.mayHold(4)).toBe(false);
    expect(table.mayHoldAfter(4, 0)).toBe(false);
    expect(table.mayHoldAfter(7, 2 ** 40)).toBe(true);
  });
});

/** A well-spread 30-bit sample for `key`, as Fingerprinter.sample gives. */
function mixed(key: number): number {
  let h = Math.imul(key ^ 0x5bd1e995, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 2;
}
