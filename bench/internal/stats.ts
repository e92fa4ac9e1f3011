/** The `q` quantile (0 to 1) of `values`, interpolating between neighbours; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[above] ?? Number.NaN;
  return low + (high - low) * (position - below);
}

/** The median of `values`; NaN when empty. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * A ratio summarised over rounds: its median, the middle half of its spread, and how far the
 * median itself can be trusted (its 95% confidence interval, see {@link medianInterval}).
 */
export interface RatioSummary {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
  readonly low95: number;
  readonly high95: number;
}

/**
 * A 95% confidence interval of the median of `values` that assumes nothing about their
 * distribution: the order statistics whose ranks are n/2 ∓ 1.96·√n/2, from the normal
 * approximation of the binomial count of values below the median. NaN bounds for fewer than
 * six values, too few for any such interval.
 */
export function medianInterval(values: readonly number[]): { low: number; high: number } {
  const n = values.length;
  if (n < 6) return { low: Number.NaN, high: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const half = 1.96 * Math.sqrt(n);
  const lowRank = Math.max(1, Math.floor((n - half) / 2));
  const highRank = Math.min(n, Math.ceil(1 + (n + half) / 2));
  return { low: sorted[lowRank - 1] ?? Number.NaN, high: sorted[highRank - 1] ?? Number.NaN };
}

/**
 * Compare two contenders measured in the same rounds: the ratio is taken round by round, so
 * noise that slows the whole machine during one round cancels out, and then summarised.
 */
export function summarisePairedRatio(
  numerator: readonly number[],
  denominator: readonly number[],
): RatioSummary {
  const ratios: number[] = [];
  const rounds = Math.min(numerator.length, denominator.length);
  for (let i = 0; i < rounds; i++) {
    const top = numerator[i];
    const bottom = denominator[i];
    if (top !== undefined && bottom !== undefined && bottom > 0) ratios.push(top / bottom);
  }
  const { low, high } = medianInterval(ratios);
  return {
    median: median(ratios),
    p25: quantile(ratios, 0.25),
    p75: quantile(ratios, 0.75),
    low95: low,
    high95: high,
  };
}
