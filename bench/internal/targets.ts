import { formatInterval, formatRatio, formatSpread } from './table.js';
import type { RatioSummary } from './stats.js';

/** A performance goal checked against a ratio measured side by side. */
export interface TargetCheck {
  /** What is compared, as `A vs B`. */
  readonly subject: string;
  readonly ratio: RatioSummary;
  /** The median ratio must be at least this. */
  readonly atLeast: number;
  /** Context that helps read a failure, such as how many cores the process got. */
  readonly note?: string;
}

/** True when the median ratio meets the target. */
export function isTargetMet(check: TargetCheck): boolean {
  return check.ratio.median >= check.atLeast;
}

const BANNER_WIDTH = 100;

/**
 * The targets as a block nobody scrolls past: one line per target saying what is compared,
 * the ratio, the target and PASS or FAIL, then a count. Each line gives the middle half of the
 * rounds' ratios (how much one round says) and, where there are enough rounds, the 95%
 * confidence interval of the median (how much all of them say); a target inside that
 * interval, or inside the middle half when there is no interval, is marked as too close to
 * call on this machine.
 */
export function formatTargetSummary(title: string, checks: readonly TargetCheck[]): string {
  const failed = checks.filter((check) => !isTargetMet(check)).length;
  const heavy = '='.repeat(BANNER_WIDTH);
  const lines = [heavy, `${title}: PERFORMANCE TARGETS`, heavy];
  for (const check of checks) {
    const verdict = isTargetMet(check) ? 'PASS' : 'FAIL';
    const { p25, p75, low95, high95 } = check.ratio;
    const interval = formatInterval(low95, high95);
    const [low, high] = interval === '' ? [p25, p75] : [low95, high95];
    const close = low <= check.atLeast && check.atLeast <= high ? ', too close to call' : '';
    const median = interval === '' ? '' : `, median ${interval} (95%)`;
    const note = check.note === undefined ? '' : `; ${check.note}`;
    lines.push(
      `${verdict}  ${check.subject}: ${formatRatio(check.ratio.median)} ` +
        `(target >= ${formatRatio(check.atLeast)}; middle half of rounds ` +
        `${formatSpread(p25, p75)}${median}${close})${note}`,
    );
  }
  lines.push(heavy);
  lines.push(
    failed === 0
      ? `ALL ${checks.length} TARGETS MET`
      : `${failed} OF ${checks.length} TARGETS FAILED (reported only: the benchmark exits 0)`,
  );
  lines.push(heavy);
  return lines.join('\n');
}
