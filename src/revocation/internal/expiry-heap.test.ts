import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiryHeap } from './expiry-heap.js';

describe('ExpiryHeap', () => {
  it('is empty at first: size 0, top at infinity, nothing due', () => {
    const heap = new ExpiryHeap();
    expect(heap.size).toBe(0);
    expect(heap.peekTime()).toBe(Number.POSITIVE_INFINITY);
    expect(heap.popDue(Number.MAX_VALUE, () => undefined)).toBe(0);
  });

  it('pops exactly the due entries, earliest first, with their kind and fingerprint', () => {
    fc.assert(
      fc.property(
        // Past the initial capacity, so growing and shrinking are exercised too.
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 300 }),
        fc.integer({ min: -1, max: 1001 }),
        (times, now) => {
          const heap = new ExpiryHeap();
          times.forEach((time, i) => {
            heap.push(time, i % 4, i, -i - 1);
          });
          const popped: [number, number, number, number][] = [];
          const removed = heap.popDue(now, (kind, high, low, expiresAt) => {
            popped.push([expiresAt, kind, high, low]);
          });
          const due = times.filter((time) => time <= now).sort((a, b) => a - b);
          expect(removed).toBe(due.length);
          expect(popped.map(([time]) => time)).toEqual(due);
          for (const [time, kind, high, low] of popped) {
            expect(times[high]).toBe(time);
            expect(kind).toBe(high % 4);
            expect(low).toBe(-high - 1);
          }
          expect(heap.size).toBe(times.length - due.length);
          expect(heap.peekTime()).toBe(
            Math.min(...times.filter((time) => time > now), Number.POSITIVE_INFINITY),
          );
          // What is left still pops in order after the arrays shrank.
          const rest: number[] = [];
          heap.popDue(Number.POSITIVE_INFINITY, (_kind, _high, _low, time) => rest.push(time));
          expect(rest).toEqual(times.filter((time) => time > now).sort((a, b) => a - b));
        },
      ),
    );
  });
});
