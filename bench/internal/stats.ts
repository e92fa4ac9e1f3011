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

/** A ratio summarised over rounds: its median and the middle half of its spread. */
export interface RatioSummary {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
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
  return { median: median(ratios), p25: quantile(ratios, 0.25), p75: quantile(ratios, 0.75) };
}
