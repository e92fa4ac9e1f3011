import { describe, expect, it } from 'vitest';
import { medianInterval, summarisePairedRatio } from './stats.js';

/** A small deterministic generator, so the coverage below is the same on every run. */
function uniforms(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('medianInterval', () => {
  it('takes the order statistics around the middle rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    // Ranks 40 and 61 of 1..100: 50 ∓ 1.96 · √100 / 2, widened to whole ranks.
    expect(medianInterval(values)).toEqual({ low: 40, high: 61 });
  });

  it('has no interval for fewer than six values', () => {
    const { low, high } = medianInterval([1, 2, 3, 4, 5]);
    expect(Number.isNaN(low) && Number.isNaN(high)).toBe(true);
  });

  it('covers the true median about 95% of the time', () => {
    const next = uniforms(7);
    const trials = 4000;
    let covered = 0;
    for (let trial = 0; trial < trials; trial++) {
      // A skewed distribution with median 1: exp of a symmetric one.
      const values = Array.from({ length: 40 }, () => Math.exp(next() - 0.5));
      const { low, high } = medianInterval(values);
      if (low <= 1 && 1 <= high) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.99);
  });
});

describe('summarisePairedRatio', () => {
  it('summarises the round-by-round ratios, not the ratio of the medians', () => {
    const base = [10, 20, 30, 40, 50, 60, 70, 80];
    const summary = summarisePairedRatio(
      base.map((value) => value * 0.9),
      base,
    );
    expect(summary.median).toBeCloseTo(0.9, 12);
    expect(summary.low95).toBeCloseTo(0.9, 12);
    expect(summary.high95).toBeCloseTo(0.9, 12);
  });
});
