/** Units for {@link formatDuration}, largest first, with their length in seconds. */
const UNITS: readonly (readonly [string, number])[] = [
  ['y', 365 * 86_400],
  ['d', 86_400],
  ['h', 3_600],
  ['min', 60],
  ['s', 1],
];

/**
 * A short human form of a time difference, rounded down to the largest whole unit that fits
 * once: `in 14 min`, `3 h ago`, `now`.
 *
 * @param deltaSeconds The time minus now, in seconds: positive for the future.
 * @example
 * formatRelativeTime(14 * 60 + 59); // 'in 14 min'
 * formatRelativeTime(-3 * 3600); // '3 h ago'
 */
export function formatRelativeTime(deltaSeconds: number): string {
  if (Number.isNaN(deltaSeconds)) return 'unknown';
  if (Math.abs(deltaSeconds) < 1) return 'now';
  const text = formatDuration(Math.abs(deltaSeconds));
  return deltaSeconds > 0 ? `in ${text}` : `${text} ago`;
}

/**
 * A length of time in the largest whole unit that fits once, rounded down: `45 s`, `14 min`,
 * `3 h`, `400 d`, `5 y`. Days are kept up to two years so that lifetimes stay precise enough
 * to act on.
 *
 * @example
 * formatDuration(7_200); // '2 h'
 */
export function formatDuration(seconds: number): string {
  if (Number.isNaN(seconds)) return 'unknown';
  if (seconds === Infinity) return 'forever';
  for (const [unit, size] of UNITS) {
    const threshold = unit === 'y' ? 2 * size : size;
    if (seconds >= threshold) return `${Math.floor(seconds / size)} ${unit}`;
  }
  return `${Math.max(0, Math.floor(seconds))} s`;
}
