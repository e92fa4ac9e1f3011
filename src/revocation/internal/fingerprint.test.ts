import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fingerprinter } from './fingerprint.js';

const SEED = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

function fingerprint(fingerprinter: Fingerprinter, value: string): string {
  fingerprinter.compute(value);
  return `${fingerprinter.high}:${fingerprinter.low}`;
}

describe('Fingerprinter', () => {
  it('is a function of the value and the seed, with an odd low half', () => {
    const a = new Fingerprinter(SEED);
    const b = new Fingerprinter(Uint8Array.from(SEED));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (value) => {
        expect(fingerprint(a, value)).toBe(fingerprint(b, value));
        a.compute(value);
        expect(a.low & 1).toBe(1);
      }),
    );
  });

  it('differs between seeds, so collisions cannot be planned without the seed', () => {
    const a = new Fingerprinter(SEED);
    const b = new Fingerprinter(Uint8Array.from([8, 7, 6, 5, 4, 3, 2, 1]));
    let same = 0;
    for (let i = 0; i < 1000; i++) if (fingerprint(a, `v${i}`) === fingerprint(b, `v${i}`)) same++;
    expect(same).toBe(0);
  });

  it('hashes every character: values alike but for one unit anywhere all differ', () => {
    const fingerprinter = new Fingerprinter(SEED);
    const base = 'user-0123456789-abcdefghijklmnopqrstuvwxyz@example.com';
    const seen = new Set([fingerprint(fingerprinter, base)]);
    for (let i = 0; i < base.length; i++) {
      for (const unit of ['#', '\u00e9', '\ud83d']) {
        seen.add(fingerprint(fingerprinter, base.slice(0, i) + unit + base.slice(i + 1)));
      }
    }
    expect(seen.size).toBe(1 + base.length * 3);
  });

  it('spreads a million similar values without a 63-bit collision and evenly over slots', () => {
    const fingerprinter = new Fingerprinter();
    const seen = new Set<string>();
    const buckets = new Uint32Array(1024);
    for (let i = 0; i < 1_000_000; i++) {
      fingerprinter.compute(`session-${i}`);
      seen.add(`${fingerprinter.high}:${fingerprinter.low}`);
      buckets[fingerprinter.high & 1023] = (buckets[fingerprinter.high & 1023] ?? 0) + 1;
    }
    expect(seen.size).toBe(1_000_000);
    // About 977 per bucket; a uniform spread stays well within ±20%.
    expect(Math.min(...buckets)).toBeGreaterThan(780);
    expect(Math.max(...buckets)).toBeLessThan(1170);
  });

  it('tells apart every value of up to three units, where no head and tail are sampled', () => {
    const fingerprinter = new Fingerprinter(SEED);
    const units = ['', '\u0000', 'a', '\u0100', '\ud83d'];
    const values = new Set<string>();
    for (const a of units) for (const b of units) for (const c of units) values.add(a + b + c);
    const seen = new Set([...values].map((value) => fingerprint(fingerprinter, value)));
    expect(seen.size).toBe(values.size);
  });

  it('samples from the length and the first and last four units, in the Smi range', () => {
    const fingerprinter = new Fingerprinter(SEED);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (value) => {
        const sample = fingerprinter.sample(value);
        expect(sample).toBe(new Fingerprinter(SEED).sample(value));
        expect(sample >= 0 && sample < 2 ** 30).toBe(true);
      }),
    );
    const base = 'user-0123456789-abcdefghijklmnopqrstuvwxyz@example.com';
    const sampleOf = (value: string): number => fingerprinter.sample(value);
    const replaced = (i: number): string => base.slice(0, i) + '#' + base.slice(i + 1);
    // The middle is not sampled; the ends and the length are.
    for (const i of [4, 5, base.length / 2, base.length - 6, base.length - 5]) {
      expect(sampleOf(replaced(i))).toBe(sampleOf(base));
    }
    for (const i of [0, 1, 2, 3, base.length - 4, base.length - 3, base.length - 2]) {
      expect(sampleOf(replaced(i))).not.toBe(sampleOf(base));
    }
    expect(sampleOf(replaced(base.length - 1))).not.toBe(sampleOf(base));
    expect(sampleOf(base + base.slice(-2))).not.toBe(sampleOf(base));
  });

  // A sample shared by a listed value and an unlisted one sends the lookup of the unlisted one
  // on to its full fingerprint and a record far away in memory. Random identifiers carry little
  // at their very ends (the last base64url unit of 16 bytes holds 2 bits, a UUID's are hex), so
  // the sample must read enough of them: with two units at each end, one base64url id in ten
  // and four UUIDs in five shared a sample with a list of 100,000.
  it.each([
    ['base64url ids of 16 bytes', () => randomBytes(16).toString('base64url')],
    ['UUIDs', () => randomUUID()],
  ])('keeps the samples of %s apart: few fresh values share one with 100,000 listed', (_, make) => {
    const fingerprinter = new Fingerprinter();
    const listed = new Set<number>();
    for (let i = 0; i < 100_000; i++) listed.add(fingerprinter.sample(make()));
    let shared = 0;
    for (let i = 0; i < 20_000; i++) if (listed.has(fingerprinter.sample(make()))) shared++;
    // 100,000 of 2^30 samples: 0.01% expected of a perfect spread.
    expect(shared / 20_000).toBeLessThan(0.002);
  });
});
