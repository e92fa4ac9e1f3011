import { describe, expect, it } from 'vitest';
import { FILTER_MIN_ENTRIES, FilteredMap } from './filtered-map.js';

// The filter must be invisible: across its creation, rebuilds and removal, the map answers
// exactly as a plain Map would.

function expectSame(map: FilteredMap<number>, reference: Map<string, number>, keys: number): void {
  expect(map.size).toBe(reference.size);
  for (let i = 0; i < keys; i++) {
    const key = `k${i}`;
    expect(map.has(key)).toBe(reference.has(key));
    expect(map.get(key)).toBe(reference.get(key));
  }
}

describe('FilteredMap', () => {
  it.each([true, false])(
    'answers as a Map through growth, churn and shrinking (filtered %s)',
    (filtered) => {
      const map = new FilteredMap<number>({ filtered });
      const reference = new Map<string, number>();
      const keys = FILTER_MIN_ENTRIES * 5;
      const set = (i: number, value: number): void => {
        map.set(`k${i}`, value);
        reference.set(`k${i}`, value);
      };
      const remove = (i: number): void => {
        map.delete(`k${i}`);
        reference.delete(`k${i}`);
      };
      // Grow past the threshold (the filter appears) and past its capacity (it is rebuilt).
      for (let i = 0; i < keys; i += 2) set(i, i);
      expectSame(map, reference, keys);
      // Churn: delete a third, overwrite some, add the odd keys: stale bits and rebuilds.
      for (let i = 0; i < keys; i += 3) remove(i);
      for (let i = 0; i < keys; i += 7) set(i, -i);
      for (let i = 1; i < keys; i += 2) set(i, i);
      expectSame(map, reference, keys);
      // Shrink below half the threshold (the filter goes), then grow again.
      for (let i = 0; i < keys; i++) if (i % 16 !== 0) remove(i);
      expectSame(map, reference, keys);
      for (let i = 0; i < keys; i += 5) set(i, i + 1);
      expectSame(map, reference, keys);
    },
  );
});
