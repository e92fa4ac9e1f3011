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

  it('pops exactly the due entries, earliest first, with their kind and value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 200 }),
        fc.integer({ min: -1, max: 1001 }),
        (times, now) => {
          const heap = new ExpiryHeap();
          times.forEach((time, i) => {
            heap.push(time, i % 2 === 0 ? 'jti' : 'sub', `v${i}`);
          });
          const popped: [number, string, string][] = [];
          const removed = heap.popDue(now, (kind, value, expiresAt) => {
            popped.push([expiresAt, kind, value]);
          });
          const due = times.filter((time) => time <= now).sort((a, b) => a - b);
          expect(removed).toBe(due.length);
          expect(popped.map(([time]) => time)).toEqual(due);
          for (const [time, kind, value] of popped) {
            const i = Number(value.slice(1));
            expect(times[i]).toBe(time);
            expect(kind).toBe(i % 2 === 0 ? 'jti' : 'sub');
          }
          expect(heap.size).toBe(times.length - due.length);
          expect(heap.peekTime()).toBe(
            Math.min(...times.filter((time) => time > now), Number.POSITIVE_INFINITY),
          );
        },
      ),
    );
  });
});
