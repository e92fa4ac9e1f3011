import { afterAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/forge.js';
import {
  describeWithService,
  REDIS_URL,
  uniqueRedisPrefix,
} from '../../../test/support/services.js';
import { connectRedis, type RedisClient } from '../../revocation/redis-connection.js';
import { assertFirstUse, type DpopReplayCache } from './dpop-replay-cache.js';
import { MemoryDpopReplayCache } from './memory-dpop-replay-cache.js';
import { RedisDpopReplayCache } from './redis-dpop-replay-cache.js';

const NOW = 1_800_000_000_000;

/** What every replay cache must do; `make` gives a fresh cache on a clock at NOW. */
function describeReplayCache(name: string, make: (clock: TestClock) => Promise<DpopReplayCache>) {
  describe(name, () => {
    it('says first time once per id, then replay until it expires', async () => {
      const clock = new TestClock(NOW);
      const cache = await make(clock);
      expect(await cache.markSeen('a', NOW + 60_000)).toBe(true);
      expect(await cache.markSeen('a', NOW + 60_000)).toBe(false);
      expect(await cache.markSeen('b', NOW + 60_000)).toBe(true);
    });

    it('lets exactly one of many concurrent presentations through', async () => {
      const cache = await make(new TestClock(NOW));
      const results = await Promise.all(
        Array.from({ length: 20 }, () => cache.markSeen('same', NOW + 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('turns a replay into ERR_DPOP_REPLAYED through assertFirstUse', async () => {
      const cache = await make(new TestClock(NOW));
      const proof = { replayKey: 'k', replayExpiresAt: NOW + 60_000 };
      await assertFirstUse(cache, proof);
      await expect(assertFirstUse(cache, proof)).rejects.toMatchObject({
        code: 'ERR_DPOP_REPLAYED',
      });
    });
  });
}

describeReplayCache('MemoryDpopReplayCache', (clock) =>
  Promise.resolve(new MemoryDpopReplayCache({ clock })),
);

describe('MemoryDpopReplayCache bounds', () => {
  it('forgets ids once expired, so memory stays bounded', async () => {
    const clock = new TestClock(NOW);
    const cache = new MemoryDpopReplayCache({ clock, maxEntries: 2 });
    expect(await cache.markSeen('a', NOW + 1000)).toBe(true);
    expect(await cache.markSeen('b', NOW + 1000)).toBe(true);
    clock.advance(1000);
    // Both expired: a new id fits, and an old id counts as new (its proof is stale anyway).
    expect(await cache.markSeen('c', NOW + 5000)).toBe(true);
    expect(await cache.markSeen('a', NOW + 5000)).toBe(true);
    expect(cache.size).toBe(2);
  });

  it('refuses to answer when full of live ids instead of forgetting one early', async () => {
    const cache = new MemoryDpopReplayCache({ clock: new TestClock(NOW), maxEntries: 2 });
    await cache.markSeen('a', NOW + 60_000);
    await cache.markSeen('b', NOW + 60_000);
    await expect(cache.markSeen('c', NOW + 60_000)).rejects.toMatchObject({
      code: 'ERR_DPOP_REPLAY_CACHE_UNAVAILABLE',
    });
    // The ids it holds are still refused as replays.
    expect(await cache.markSeen('a', NOW + 60_000)).toBe(false);
  });

  it('sweeps an expired id that sits behind a longer-lived one', async () => {
    const clock = new TestClock(NOW);
    const cache = new MemoryDpopReplayCache({ clock, maxEntries: 2 });
    await cache.markSeen('long', NOW + 60_000);
    await cache.markSeen('short', NOW + 1000);
    clock.advance(2000);
    expect(await cache.markSeen('new', NOW + 60_000)).toBe(true);
  });

  it('refuses a bad bound', () => {
    expect(() => new MemoryDpopReplayCache({ maxEntries: 0 })).toThrow(TypeError);
  });
});

const opened: RedisClient[] = [];
const prefixes: string[] = [];
afterAll(async () => {
  const [first] = opened;
  for (const prefix of prefixes) {
    const keys = first === undefined ? [] : await first.keys(`${prefix}*`);
    if (first !== undefined && keys.length > 0) await first.del(...keys);
  }
  for (const redis of opened) redis.disconnect();
});

await describeWithService('redis', 'RedisDpopReplayCache', () => {
  const prefix = uniqueRedisPrefix();
  prefixes.push(prefix);
  const open = async (clock: TestClock): Promise<RedisDpopReplayCache> => {
    const redis = await connectRedis(REDIS_URL);
    opened.push(redis);
    return new RedisDpopReplayCache({ redis, prefix: `${prefix}${String(opened.length)}:`, clock });
  };

  describeReplayCache('contract', open);

  it('is shared by two processes and sets a Redis expiry', async () => {
    const clock = new TestClock(NOW);
    const shared = `${prefix}shared:`;
    const one = await connectRedis(REDIS_URL);
    const two = await connectRedis(REDIS_URL);
    opened.push(one, two);
    const a = new RedisDpopReplayCache({ redis: one, prefix: shared, clock });
    const b = new RedisDpopReplayCache({ redis: two, prefix: shared, clock });
    expect(await a.markSeen('x', NOW + 30_000)).toBe(true);
    expect(await b.markSeen('x', NOW + 30_000)).toBe(false);
    const ttl = await one.pttl(`${shared}dpop:x`);
    expect(ttl).toBeGreaterThan(28_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('fails closed when Redis cannot be reached', async () => {
    const down = await connectRedis('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
    opened.push(down);
    const cache = new RedisDpopReplayCache({ redis: down, prefix, clock: new TestClock(NOW) });
    await expect(cache.markSeen('y', NOW + 1000)).rejects.toMatchObject({
      code: 'ERR_DPOP_REPLAY_CACHE_UNAVAILABLE',
    });
  });
});
