import { describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/forge.js';
import {
  LoginThrottle,
  MemoryThrottleStore,
  type LoginAttempt,
  type ThrottleStore,
  type ThrottleVerdict,
} from './login-throttle.js';

const START = 1_800_000_000_000;
const SECOND = 1_000;
const MINUTE = 60 * SECOND;

function setup(options: { store?: ThrottleStore } = {}): {
  throttle: LoginThrottle;
  clock: TestClock;
} {
  const clock = new TestClock(START);
  return { throttle: new LoginThrottle({ clock, ...options }), clock };
}

async function fail(throttle: LoginThrottle, attempt: LoginAttempt, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await throttle.recordFailure(attempt);
}

const alice = { username: 'alice', ip: '203.0.113.7' };
const ALLOWED: ThrottleVerdict = { allowed: true };
const wait = (retryAfterSeconds: number): ThrottleVerdict => ({
  allowed: false,
  retryAfterSeconds,
});

describe('LoginThrottle: per account', () => {
  it('allows 5 failures, then makes the next attempt wait 1 s', async () => {
    const { throttle, clock } = setup();
    for (let i = 0; i < 5; i++) {
      expect(await throttle.check(alice)).toEqual(ALLOWED);
      await throttle.recordFailure(alice);
    }
    expect(await throttle.check(alice)).toEqual(wait(1));
    clock.advance(999);
    expect(await throttle.check(alice)).toEqual(wait(1));
    clock.advance(1);
    expect(await throttle.check(alice)).toEqual(ALLOWED);
  });

  it('doubles the wait with each further failure, up to 15 minutes', async () => {
    const { throttle, clock } = setup();
    await fail(throttle, alice, 5);
    const waits: number[] = [];
    for (let i = 0; i < 14; i++) {
      const verdict = await throttle.check(alice);
      if (verdict.allowed) throw new Error('expected a wait');
      waits.push(verdict.retryAfterSeconds);
      clock.advance(verdict.retryAfterSeconds * SECOND);
      expect(await throttle.check(alice)).toEqual(ALLOWED);
      await throttle.recordFailure(alice);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]);
  });

  it('cannot be escaped by waiting out the window: at the cap, one guess per 15 minutes', async () => {
    const { throttle, clock } = setup();
    await fail(throttle, alice, 40);
    for (let i = 0; i < 8; i++) {
      expect(await throttle.check(alice)).toEqual(wait(900));
      clock.advance(15 * MINUTE);
      expect(await throttle.check(alice)).toEqual(ALLOWED);
      await throttle.recordFailure(alice);
    }
  });

  it('forgets an account after an hour without failures, and not before', async () => {
    const { throttle, clock } = setup();
    await fail(throttle, alice, 5);
    clock.advance(59 * MINUTE);
    await throttle.recordFailure(alice); // the sixth: the window starts again
    clock.advance(59 * MINUTE);
    await throttle.recordFailure(alice);
    expect(await throttle.check(alice)).toEqual(wait(4));
    clock.advance(60 * MINUTE);
    await fail(throttle, alice, 4);
    expect(await throttle.check(alice)).toEqual(ALLOWED);
  });

  it('clears the account on success', async () => {
    const { throttle } = setup();
    await fail(throttle, alice, 8);
    expect((await throttle.check(alice)).allowed).toBe(false);
    await throttle.recordSuccess(alice);
    expect(await throttle.check(alice)).toEqual(ALLOWED);
    await fail(throttle, alice, 4);
    expect(await throttle.check(alice)).toEqual(ALLOWED);
  });

  it('shares one counter across case and Unicode forms of a username', async () => {
    const { throttle } = setup();
    await throttle.recordFailure({ username: 'Alice', ip: '198.51.100.1' });
    await throttle.recordFailure({ username: 'ALICE', ip: '198.51.100.2' });
    await throttle.recordFailure({
      username: '\uff21\uff4c\uff49\uff43\uff45',
      ip: '198.51.100.3',
    });
    await throttle.recordFailure({ username: 'alice', ip: '198.51.100.4' });
    await throttle.recordFailure({ username: 'aLiCe', ip: '198.51.100.5' });
    expect(await throttle.check({ username: 'alice', ip: '198.51.100.6' })).toEqual(wait(1));
    expect(await throttle.check({ username: 'alicia', ip: '198.51.100.6' })).toEqual(ALLOWED);
  });

  it('throttles an unknown username exactly like a known one', async () => {
    // The throttle never learns which accounts exist, so any two names behave alike.
    const verdicts = async (username: string): Promise<ThrottleVerdict[]> => {
      const { throttle, clock } = setup();
      const seen: ThrottleVerdict[] = [];
      for (let i = 0; i < 12; i++) {
        seen.push(await throttle.check({ username, ip: '192.0.2.1' }));
        await throttle.recordFailure({ username, ip: '192.0.2.1' });
        clock.advance(3 * SECOND);
      }
      return seen;
    };
    expect(await verdicts('no-such-user-7f3a')).toEqual(await verdicts('alice'));
  });
});

describe('LoginThrottle: per IP address', () => {
  it('catches credential stuffing: 20 failures across 20 usernames block the address', async () => {
    const { throttle } = setup();
    const ip = '203.0.113.50';
    for (let i = 0; i < 20; i++) {
      const attempt = { username: `user${i}`, ip };
      expect(await throttle.check(attempt)).toEqual(ALLOWED);
      await throttle.recordFailure(attempt);
    }
    expect(await throttle.check({ username: 'user20', ip })).toEqual(wait(1));
    // Other addresses and the accounts themselves are unaffected.
    expect(await throttle.check({ username: 'user20', ip: '203.0.113.51' })).toEqual(ALLOWED);
    expect(await throttle.check({ username: 'user0', ip: '203.0.113.51' })).toEqual(ALLOWED);
  });

  it('counts 15 minutes from the first failure, so a busy shared address is forgiven', async () => {
    const { throttle, clock } = setup();
    const ip = '203.0.113.60';
    await fail(throttle, { username: 'a', ip }, 1);
    clock.advance(14 * MINUTE);
    for (let i = 0; i < 25; i++) await throttle.recordFailure({ username: `u${i}`, ip });
    expect((await throttle.check({ username: 'x', ip })).allowed).toBe(false);
    clock.advance(MINUTE);
    expect(await throttle.check({ username: 'x', ip })).toEqual(ALLOWED);
  });

  it('keeps the address count when an account logs in successfully', async () => {
    const { throttle } = setup();
    const ip = '203.0.113.70';
    for (let i = 0; i < 20; i++) await throttle.recordFailure({ username: `u${i}`, ip });
    await throttle.recordSuccess({ username: 'attacker-own-account', ip });
    expect((await throttle.check({ username: 'victim', ip })).allowed).toBe(false);
  });

  it('counts an IPv6 /64 as one address, and IPv4-mapped IPv6 as its IPv4 address', async () => {
    const { throttle } = setup();
    for (let i = 0; i < 20; i++) {
      await throttle.recordFailure({ username: `u${i}`, ip: `2001:db8:1:2:${i.toString(16)}::1` });
    }
    const blocked = async (ip: string): Promise<boolean> =>
      !(await throttle.check({ username: 'new', ip })).allowed;
    expect(await blocked('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(true);
    expect(await blocked('2001:0db8:0001:0002::abcd%eth0')).toBe(true);
    expect(await blocked('2001:db8:1:3::1')).toBe(false);

    for (let i = 0; i < 20; i++) {
      await throttle.recordFailure({ username: `v${i}`, ip: '::ffff:192.0.2.9' });
    }
    expect(await blocked('192.0.2.9')).toBe(true);
    expect(await blocked('192.0.2.10')).toBe(false);
  });

  it('reports the longer of the account and address waits', async () => {
    const { throttle } = setup();
    const ip = '203.0.113.80';
    await fail(throttle, { username: 'bob', ip }, 10); // account: 5 past free, 32 s
    for (let i = 0; i < 12; i++) await throttle.recordFailure({ username: `u${i}`, ip }); // IP: 22
    expect(await throttle.check({ username: 'bob', ip })).toEqual(wait(32));
    expect(await throttle.check({ username: 'carol', ip })).toEqual(wait(4));
  });
});

describe('LoginThrottle: store and options', () => {
  it('keeps usernames out of the store: keys are digests', async () => {
    const memory = new MemoryThrottleStore();
    const keys: string[] = [];
    const spy: ThrottleStore = {
      get: (key, nowMs) => memory.get(key, nowMs),
      increment: (key, increment) => {
        keys.push(key);
        return memory.increment(key, increment);
      },
      reset: (key) => memory.reset(key),
    };
    const { throttle } = setup({ store: spy });
    await throttle.recordFailure({ username: 'alice@example.com', ip: '192.0.2.1' });
    expect(keys).toHaveLength(2);
    expect(keys.join(' ')).not.toContain('alice');
    expect(keys).toContain('ip:192.0.2.1');
  });

  it.each([
    ['an account window shorter than its cap', { account: { windowMs: 10 * MINUTE } }],
    ['a zero free-failure count', { account: { freeFailures: 0 } }],
    ['a fractional delay', { ip: { firstDelayMs: 1.5 } }],
    ['a cap below the first delay', { ip: { firstDelayMs: 2_000, maxDelayMs: 1_000 } }],
  ])('refuses %s', (_, options) => {
    expect(() => new LoginThrottle(options)).toThrow(TypeError);
  });
});

describe('MemoryThrottleStore', () => {
  const increment = { nowMs: START, windowMs: MINUTE, slide: true };

  it('holds at most maxKeys counters, dropping the least recently failed', async () => {
    const store = new MemoryThrottleStore({ maxKeys: 100 });
    await store.increment('kept', increment);
    for (let i = 0; i < 1_000; i++) {
      await store.increment(`k${i}`, increment);
      if (i % 50 === 0) await store.increment('kept', increment); // recently failed again
    }
    expect(store.size).toBe(100);
    expect(await store.get('k999', START)).not.toBeNull();
    expect(await store.get('k0', START)).toBeNull();
    expect((await store.get('kept', START))?.failures).toBe(21);
  });

  it('sweeps out expired counters, at most once per interval', async () => {
    const store = new MemoryThrottleStore({ sweepIntervalMs: MINUTE });
    for (let i = 0; i < 500; i++) await store.increment(`k${i}`, increment);
    expect(store.size).toBe(500);
    await store.increment('late', { ...increment, nowMs: START + 2 * MINUTE });
    expect(store.size).toBe(1);
  });

  it('expires counters when asked after their time, sliding or fixed', async () => {
    const store = new MemoryThrottleStore();
    await store.increment('fixed', { ...increment, slide: false });
    await store.increment('fixed', { ...increment, nowMs: START + 50 * SECOND, slide: false });
    expect((await store.get('fixed', START + 59 * SECOND))?.failures).toBe(2);
    expect(await store.get('fixed', START + MINUTE)).toBeNull();

    await store.increment('sliding', increment);
    await store.increment('sliding', { ...increment, nowMs: START + 50 * SECOND });
    expect((await store.get('sliding', START + 109 * SECOND))?.failures).toBe(2);
    expect(await store.get('sliding', START + 110 * SECOND)).toBeNull();
  });
});
