import { afterEach, expect, it, vi } from 'vitest';
import { describeWithService, REDIS_URL, uniqueRedisPrefix } from '../../test/support/services.js';
import { connectRedis, type RedisClient } from './redis-connection.js';
import type { LoggedRevocationEvent } from './revocation-event.js';
import { RevocationFollower, type RevocationLogReader } from './revocation-follower.js';
import { RevocationFreshness } from './revocation-freshness.js';
import { RedisRevocationPublisher, revocationStreamKey } from './redis-revocation-publisher.js';
import { RedisRevocationStream } from './redis-revocation-stream.js';

const FAR = 4_000_000_000_000;
const HOUR = 3_600_000;

function event(id: number): LoggedRevocationEvent {
  return { id, kind: 'sid', value: `session-${id}`, at: 1_000 + id, expiresAt: FAR };
}

/** The shared "database": a log in memory; reads can be watched and intercepted. */
class MemoryLog implements RevocationLogReader {
  readonly events: LoggedRevocationEvent[] = [];
  reads = 0;
  beforeReturn: (() => Promise<void>) | null = null;

  async revocationsAfter(cursor: number, limit: number): Promise<LoggedRevocationEvent[]> {
    this.reads++;
    const found = this.events.filter((e) => e.id > cursor).slice(0, limit);
    const hook = this.beforeReturn;
    this.beforeReturn = null;
    if (hook !== null) await hook();
    return found;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function client(url = REDIS_URL, commandTimeoutMs = 1000): Promise<RedisClient> {
  const redis = await connectRedis(url, { commandTimeoutMs });
  cleanups.push(() => {
    redis.disconnect();
  });
  return redis;
}

/** A publisher and, for a second process, a follower of the stream over the same log. */
async function setup(options: { start?: boolean } = {}) {
  const key = revocationStreamKey(uniqueRedisPrefix());
  const log = new MemoryLog();
  const commands = await client();
  cleanups.push(async () => {
    await commands.del(key);
  });
  const publisher = new RedisRevocationPublisher({ redis: commands, key, retentionMs: HOUR });
  const applied: number[] = [];
  const errors: unknown[] = [];
  const states: string[] = [];
  // A poll a minute apart: whatever arrives within a test came through the stream.
  const follower = new RevocationFollower({
    log,
    apply: (e) => applied.push(e.id),
    pollIntervalMs: 60_000,
  });
  const freshness = new RevocationFreshness({
    maxStalenessMs: 30_000,
    sources: ['redis', 'database polling'],
  });
  const blocking = await client(REDIS_URL, 5_000);
  const stream = new RedisRevocationStream({
    redis: blocking,
    key,
    follower,
    freshness,
    blockMs: 200,
    onError: (error) => errors.push(error),
    onStateChange: (state) => states.push(state),
  });
  cleanups.push(async () => {
    const stopped = stream.stop();
    blocking.disconnect();
    await stopped;
    follower.stop();
  });
  if (options.start !== false) await stream.start();
  /** Log `ids` (the commit) and publish them (what the writing process does next). */
  const write = async (...ids: number[]): Promise<void> => {
    const events = ids.map(event);
    log.events.push(...events);
    for (const e of events) await publisher.publish(e);
  };
  return {
    key,
    log,
    commands,
    publisher,
    follower,
    freshness,
    stream,
    blocking,
    applied,
    errors,
    states,
    write,
  };
}

await describeWithService('redis', 'Redis revocation stream', () => {
  it('publishes each event with its log id, and a follower applies it without reading the log', async () => {
    const { key, log, commands, follower, applied, write } = await setup();
    const readsAtStart = log.reads;
    await write(1);
    await vi.waitFor(() => {
      expect(applied).toEqual([1]);
    });
    expect(follower.cursor).toBe(1);
    expect(log.reads).toBe(readsAtStart);
    const entries = (await commands.call('XRANGE', key, '-', '+')) as [string, string[]][];
    expect(entries[0]?.[1]).toEqual([
      'id',
      '1',
      'kind',
      'sid',
      'value',
      'session-1',
      'at',
      '1001',
      'expires_at',
      String(FAR),
    ]);
  });

  it('applies an event after a gap at once, and reads the log to fill the gap', async () => {
    const { log, follower, applied, write } = await setup();
    // Logged but never published, as when a process crashes between commit and XADD.
    log.events.push(event(1), event(2));
    await write(3);
    await vi.waitFor(() => {
      expect(follower.cursor).toBe(3);
    });
    expect(applied).toEqual([3, 1, 2]);
  });

  it('starts complete: an event logged just after the first log read arrives from the stream', async () => {
    const { log, follower, stream, applied, publisher } = await setup({ start: false });
    // The commit and publish happen while the first read is on its way back: that read did
    // not see it, so only following from the id noted before it can bring it.
    log.beforeReturn = async () => {
      log.events.push(event(1));
      await publisher.publish(event(1));
    };
    await stream.start();
    expect(applied).toEqual([]);
    await vi.waitFor(() => {
      expect(applied).toEqual([1]);
    });
    expect(follower.cursor).toBe(1);
  });

  it('confirms freshness with reads that time out, as the preferred source', async () => {
    const { freshness } = await setup();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(freshness.status()).toMatchObject({ fresh: true, source: 'redis' });
  });

  it('reports a malformed entry and goes on following', async () => {
    const { key, commands, applied, errors, write } = await setup();
    await commands.call('XADD', key, '*', 'id', 'not-a-number', 'kind', 'sid');
    await write(1);
    await vi.waitFor(() => {
      expect(applied).toEqual([1]);
    });
    expect(String(errors[0])).toMatch(/malformed revocation entry/);
  });

  it('resumes from its last stream id after a reconnection', async () => {
    const { stream, blocking, states, write } = await setup();
    await write(1);
    await vi.waitFor(() => {
      expect(stream.eventsReceived).toBe(1);
    });
    blocking.disconnect(true);
    await write(2); // while the follower's connection is down
    await vi.waitFor(() => {
      expect(stream.eventsReceived).toBe(2);
      expect(states).toEqual(['following', 'down', 'following']);
    });
  });
});

await describeWithService('redis', 'Redis revocation publisher', () => {
  it('trims the stream to the retention window by entry time', async () => {
    const key = revocationStreamKey(uniqueRedisPrefix());
    const redis = await client();
    cleanups.push(async () => {
      await redis.del(key);
    });
    let now = Date.now();
    const publisher = new RedisRevocationPublisher({
      redis,
      key,
      retentionMs: HOUR,
      clock: { now: () => now },
    });
    for (let id = 1; id <= 250; id++) void publisher.publish(event(id));
    await publisher.flush();
    expect(await redis.xlen(key)).toBe(250);
    now += 2 * HOUR;
    await publisher.publish(event(251));
    // MINID ~ drops whole stream nodes (100 entries each) that lie before the window.
    expect(await redis.xlen(key)).toBeLessThanOrEqual(101);
  });

  it('resolves false without waiting while Redis is unreachable, reporting the outage once', async () => {
    const redis = await client('redis://127.0.0.1:1');
    const changes: (Error | null)[] = [];
    const publisher = new RedisRevocationPublisher({
      redis,
      key: 'x',
      retentionMs: HOUR,
      onStateChange: (error) => changes.push(error),
    });
    const started = Date.now();
    expect(await publisher.publish(event(1))).toBe(false);
    expect(await publisher.publish(event(2))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(changes).toHaveLength(1);
    expect(await publisher.lastPublishedLogId()).toBeNull();
  });

  it('tells the log id of the last entry published, null for an empty stream', async () => {
    const key = revocationStreamKey(uniqueRedisPrefix());
    const redis = await client();
    cleanups.push(async () => {
      await redis.del(key);
    });
    const publisher = new RedisRevocationPublisher({ redis, key, retentionMs: HOUR });
    expect(await publisher.lastPublishedLogId()).toBeNull();
    await publisher.publish(event(7));
    await publisher.publish(event(5));
    // The last entry, not the highest id: a writer starts looking there for its own events.
    expect(await publisher.lastPublishedLogId()).toBe(5);
  });
});
