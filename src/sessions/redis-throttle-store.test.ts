import { afterEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/forge.js';
import { describeWithService, REDIS_URL, uniqueRedisPrefix } from '../../test/support/services.js';
import { connectRedis, type RedisClient } from '../revocation/redis-connection.js';
import { LoginThrottle } from './login-throttle.js';
import { RedisThrottleStore, ThrottleUnavailableError } from './redis-throttle-store.js';

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

const opened: RedisClient[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) {
    const [first] = opened;
    const keys = first === undefined ? [] : await first.keys(`${prefix}*`);
    if (first !== undefined && keys.length > 0) await first.del(...keys);
  }
  for (const redis of opened.splice(0)) redis.disconnect();
});

async function connect(url = REDIS_URL): Promise<RedisClient> {
  const redis = await connectRedis(url);
  opened.push(redis);
  return redis;
}

/** Two stores on two connections under one prefix: two server processes. */
async function twoProcesses(): Promise<[RedisThrottleStore, RedisThrottleStore, string]> {
  const prefix = uniqueRedisPrefix();
  prefixes.push(prefix);
  return [
    new RedisThrottleStore({ redis: await connect(), prefix }),
    new RedisThrottleStore({ redis: await connect(), prefix }),
    prefix,
  ];
}

await describeWithService('redis', 'RedisThrottleStore', () => {
  it('counts failures across processes, under the prefix, with a Redis expiry', async () => {
    const [one, two, prefix] = await twoProcesses();
    await one.increment('account:a', { nowMs: NOW, windowMs: HOUR, slide: true });
    const counter = await two.increment('account:a', {
      nowMs: NOW + 5,
      windowMs: HOUR,
      slide: true,
    });
    expect(counter).toEqual({ failures: 2, lastFailureAt: NOW + 5, expiresAt: NOW + 5 + HOUR });
    expect(await one.get('account:a', NOW + 10)).toEqual(counter);
    const ttl = await opened[0]?.pttl(`${prefix}throttle:account:a`);
    expect(ttl).toBeGreaterThan(HOUR - 60_000);
    expect(ttl).toBeLessThanOrEqual(HOUR);
  });

  it('slides the window on each failure, or keeps the first failure’s', async () => {
    const [store] = await twoProcesses();
    await store.increment('ip:1', { nowMs: NOW, windowMs: HOUR, slide: false });
    const fixed = await store.increment('ip:1', {
      nowMs: NOW + 1000,
      windowMs: HOUR,
      slide: false,
    });
    expect(fixed.expiresAt).toBe(NOW + HOUR);
    await store.increment('account:b', { nowMs: NOW, windowMs: HOUR, slide: true });
    const sliding = await store.increment('account:b', {
      nowMs: NOW + 1000,
      windowMs: HOUR,
      slide: true,
    });
    expect(sliding.expiresAt).toBe(NOW + 1000 + HOUR);
  });

  it('forgets a counter past its expiry (by the caller’s clock) and restarts it', async () => {
    const [store] = await twoProcesses();
    await store.increment('k', { nowMs: NOW, windowMs: 1000, slide: true });
    expect(await store.get('k', NOW + 999)).not.toBeNull();
    expect(await store.get('k', NOW + 1000)).toBeNull();
    const again = await store.increment('k', { nowMs: NOW + 1000, windowMs: 1000, slide: true });
    expect(again.failures).toBe(1);
  });

  it('counts every one of many concurrent failures exactly once', async () => {
    const [one, two] = await twoProcesses();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? one : two).increment('k', { nowMs: NOW, windowMs: HOUR, slide: true }),
      ),
    );
    expect(results.map((c) => c.failures).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  it('resets a counter', async () => {
    const [store] = await twoProcesses();
    await store.increment('k', { nowMs: NOW, windowMs: HOUR, slide: true });
    await store.reset('k');
    expect(await store.get('k', NOW)).toBeNull();
  });

  it('lets LoginThrottle in one process see the failures made in another', async () => {
    const [one, two] = await twoProcesses();
    const clock = new TestClock(NOW);
    const first = new LoginThrottle({ clock, store: one });
    const second = new LoginThrottle({ clock, store: two });
    const attempt = { username: 'alice', ip: '203.0.113.7' };
    for (let i = 0; i < 3; i++) await first.recordFailure(attempt);
    for (let i = 0; i < 2; i++) await second.recordFailure(attempt);
    expect(await first.check(attempt)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(await second.check(attempt)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});

describe('RedisThrottleStore without Redis', () => {
  it('refuses at once with ERR_THROTTLE_UNAVAILABLE, never counting nothing as allowed', async () => {
    const store = new RedisThrottleStore({
      redis: await connect('redis://127.0.0.1:1'),
      prefix: 'x:',
    });
    const started = Date.now();
    const failures = await Promise.allSettled([
      store.get('k', NOW),
      store.increment('k', { nowMs: NOW, windowMs: HOUR, slide: true }),
      store.reset('k'),
    ]);
    expect(Date.now() - started).toBeLessThan(1_000);
    for (const failure of failures) {
      expect(failure.status).toBe('rejected');
      if (failure.status === 'rejected') {
        expect(failure.reason).toBeInstanceOf(ThrottleUnavailableError);
        expect((failure.reason as ThrottleUnavailableError).code).toBe('ERR_THROTTLE_UNAVAILABLE');
      }
    }
    const throttle = new LoginThrottle({ store });
    await expect(throttle.check({ username: 'a', ip: '192.0.2.1' })).rejects.toBeInstanceOf(
      ThrottleUnavailableError,
    );
  });
});
