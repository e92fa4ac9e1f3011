import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/forge.js';
import { DpopNonces } from './dpop-nonces.js';

const NOW = 1_800_000_000_000;
const secret = Buffer.alloc(32, 1);

describe('DpopNonces', () => {
  it('accepts nonces of the current and previous window, from any process with the secret', () => {
    const clock = new TestClock(NOW);
    const one = new DpopNonces({ secret, windowSeconds: 60, clock });
    const two = new DpopNonces({ secret, windowSeconds: 60, clock });
    const nonce = one.current();
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(two.isValid(nonce)).toBe(true);
    clock.advance(60_000);
    expect(two.current()).not.toBe(nonce);
    expect(two.isValid(nonce)).toBe(true);
    clock.advance(60_000);
    expect(two.isValid(nonce)).toBe(false);
  });

  it('refuses nonces made with another secret, and garbage', () => {
    const clock = new TestClock(NOW);
    const ours = new DpopNonces({ secret, clock });
    const theirs = new DpopNonces({ secret: Buffer.alloc(32, 2), clock });
    expect(ours.isValid(theirs.current())).toBe(false);
    expect(ours.isValid('')).toBe(false);
    expect(ours.isValid(`${ours.current()}x`)).toBe(false);
  });

  it('refuses a short secret or a silly window', () => {
    expect(() => new DpopNonces({ secret: Buffer.alloc(16) })).toThrow(TypeError);
    expect(() => new DpopNonces({ secret, windowSeconds: 1 })).toThrow(TypeError);
  });
});
