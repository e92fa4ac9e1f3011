import { describe, expect, it } from 'vitest';
import { formatDuration, formatRelativeTime } from './relative-time.js';

describe('formatRelativeTime', () => {
  it.each([
    [0, 'now'],
    [0.5, 'now'],
    [45, 'in 45 s'],
    [14 * 60 + 59, 'in 14 min'],
    [-3 * 3600 - 1, '3 h ago'],
    [-86_400 * 3, '3 d ago'],
    [86_400 * 400, 'in 400 d'],
    [86_400 * 365 * 5, 'in 5 y'],
    [Number.NaN, 'unknown'],
  ])('%d s → %s', (delta, text) => {
    expect(formatRelativeTime(delta)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [59, '59 s'],
    [60, '1 min'],
    [7_200, '2 h'],
    [Infinity, 'forever'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
