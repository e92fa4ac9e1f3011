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

  it('samples from the length and the first and last two units, in the Smi range', () => {
    const fingerprinter = new Fingerprinter(SEED);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (value) => {
        const sample = fingerprinter.sample(value);
        expect(sample).toBe(new Fingerprinter(SEED).sample(value));
        expect(sample >= 0 && sample < 2 ** 30).toBe(true);
        // finish after sample is the whole fingerprint.
        fingerprinter.finish(value);
        const { high, low } = fingerprinter;
        fingerprinter.compute(value);
        expect([fingerprinter.high, fingerprinter.low]).toEqual([high, low]);
      }),
    );
    const base = 'user-0123456789-abcdefghijklmnopqrstuvwxyz@example.com';
    const sampleOf = (value: string): number => fingerprinter.sample(value);
    // The middle is not sampled; the ends and the length are.
    expect(sampleOf(base.replace('5', '#'))).toBe(sampleOf(base));
    const ends = [0, 1, base.length - 2, base.length - 1];
    // The units next to them are not sampled (the full fingerprint reads them).
    for (const i of [2, 3, base.length - 4, base.length - 3]) {
      expect(sampleOf(base.slice(0, i) + '#' + base.slice(i + 1))).toBe(sampleOf(base));
    }
    for (const i of ends) {
      expect(sampleOf(base.slice(0, i) + '#' + base.slice(i + 1))).not.toBe(sampleOf(base));
    }
    expect(sampleOf(base + base.slice(-2))).not.toBe(sampleOf(base));
  });
});
