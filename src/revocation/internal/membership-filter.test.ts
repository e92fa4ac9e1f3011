import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MembershipFilter } from './membership-filter.js';

describe('MembershipFilter', () => {
  it('never says absent for a value it was given (short, long, any characters)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 200 })), (values) => {
        const filter = new MembershipFilter(values.length);
        for (const value of values) filter.add(value);
        for (const value of values) expect(filter.mightContain(value)).toBe(true);
      }),
    );
  });

  it('says absent for most other values, even when full', () => {
    const count = 50_000;
    const filter = new MembershipFilter(count);
    let added = 0;
    while (!filter.isFull) filter.add(`member-${added++}`);
    // Sized for twice the expected count: full after that many insertions.
    expect(added).toBe(131_072);
    let maybe = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mightContain(`stranger-${i}`)) maybe++;
    // About 3% for three bits in a 512-bit block at 8 bits per value; 10% leaves room.
    expect(maybe / 100_000).toBeLessThan(0.1);
  });

  it('hashes only the ends of long values: alike there, they collide (the map settles it)', () => {
    const filter = new MembershipFilter(1);
    filter.add('user-000000000999-end');
    // Same length, same first and last 8 characters: a deliberate false "maybe".
    expect(filter.mightContain('user-000456780999-end')).toBe(true);
    expect(filter.mightContain('user-000000000998-end')).toBe(false);
    expect(filter.mightContain('user-000000000999-end!')).toBe(false);
  });
});
