import { Denylist } from '../revocation/denylist.js';
import { connectRedis, type RedisClient } from '../revocation/redis-connection.js';
import {
  RedisRevocationPublisher,
  revocationStreamKey,
} from '../revocation/redis-revocation-publisher.js';
import { RedisRevocationStream } from '../revocation/redis-revocation-stream.js';
import { RevocationFollower, type RevocationLogReader } from '../revocation/revocation-follower.js';
import {
  confirmingLogReader,
  RevocationFreshness,
  type FreshnessStatus,
} from '../revocation/revocation-freshness.js';
import type { ThrottleStore } from '../sessions/login-throttle.js';
import { RedisThrottleStore } from '../sessions/redis-throttle-store.js';
import type { Clock } from '../token/clock.js';
import { DeferredLog, type ServerLog } from './deferred-log.js';
import type { ServerConfig } from './server-config.js';

/** Names of the sources that confirm the denylist current, as /healthz reports them. */
export const REDIS_SOURCE = 'redis';
export const DATABASE_SOURCE = 'database polling';

/** Options of {@link startRevocationRuntime} that tests inject. */
export interface RevocationRuntimeOptions {
  readonly clock: Clock;
  /** The durable log (the store). */
  readonly log: RevocationLogReader;
  /** Log polling while the Redis stream is down or absent; default min(1 s, max staleness / 3). */
  readonly pollIntervalMs?: number | undefined;
  /** Log polling while the stream works (a safety net); default as `pollIntervalMs`. */
  readonly streamingPollIntervalMs?: number | undefined;
  /** Time source of staleness; default a monotonic clock. */
  readonly freshnessClock?: Clock | undefined;
}

/** The revocation machinery of one server process. */
export interface RevocationRuntime {
  readonly denylist: Denylist;
  readonly follower: RevocationFollower;
  readonly freshness: RevocationFreshness;
  /** The Redis stream follower; null without `--redis`. */
  readonly stream: RedisRevocationStream | null;
  /** Shared login counters with `--redis`; undefined: each process counts in memory. */
  readonly throttleStore: ThrottleStore | undefined;
  /** Call after writing to the revocation log: the events are in memory and published on return. */
  readonly afterRevocation: () => Promise<void>;
  /** Send log lines to the server's logger from now on (lines logged before it are kept). */
  attachLog(log: ServerLog): void;
  close(): Promise<void>;
}

/**
 * Start following revocations: read the whole log into the denylist (resolving only then, so
 * the process starts complete), keep polling it, and with `--redis` follow the Redis stream,
 * publish this process's revocations to it, and count logins in Redis.
 *
 * Every failure after start is logged once when it begins and once when it ends; none stops
 * the process. How current the denylist is shows in `freshness`.
 *
 * @throws what the first log read throws.
 */
export async function startRevocationRuntime(
  config: ServerConfig,
  options: RevocationRuntimeOptions,
): Promise<RevocationRuntime> {
  const log = new DeferredLog();
  const maxStalenessMs = config.maxStalenessSeconds * 1000;
  const fallbackMs = options.pollIntervalMs ?? Math.min(1000, Math.floor(maxStalenessMs / 3));
  const streamingMs = options.streamingPollIntervalMs ?? fallbackMs;
  const redisUrl = config.redis;
  const freshness = new RevocationFreshness({
    maxStalenessMs,
    sources: redisUrl === '' ? [DATABASE_SOURCE] : [REDIS_SOURCE, DATABASE_SOURCE],
    // Publication to the stream is best effort and some writers (the admin CLI) only write to
    // the database: only a read of the whole log proves nothing is missing.
    authoritative: [DATABASE_SOURCE],
    ...(options.freshnessClock === undefined ? {} : { clock: options.freshnessClock }),
    onChange: (status) => {
      logFreshness(log, status, config.failOpenWhenStale);
    },
  });
  if (config.failOpenWhenStale) {
    log.warn(
      '--fail-open-when-stale: bearer tokens are accepted even when revocations cannot be confirmed current (unsafe)',
    );
  }
  const denylist = new Denylist({ clock: options.clock });
  const follower = new RevocationFollower({
    log: confirmingLogReader(watchedLog(options.log, log, fallbackMs), freshness, DATABASE_SOURCE),
    apply: (event) => {
      denylist.add(event);
    },
    clock: options.clock,
    pollIntervalMs: fallbackMs,
  });
  const watch = setInterval(() => freshness.isFresh(), Math.min(1000, fallbackMs));
  watch.unref();
  const connections: RedisClient[] = [];
  let stream: RedisRevocationStream | null = null;
  let publisher: RedisRevocationPublisher | null = null;
  let throttleStore: ThrottleStore | undefined;
  try {
    if (redisUrl === '') {
      await follower.start();
    } else {
      const blockMs = Math.min(1000, fallbackMs);
      const [commands, blocking] = await Promise.all([
        connectRedis(redisUrl, {
          name: 'tessera',
          onDown: (error) => {
            log.warn(
              `Redis unreachable (${error.message}): logins answer 503 until it returns, as their throttle counters live there`,
            );
          },
          onUp: () => {
            log.info('Redis reachable again: logins are counted and allowed again');
          },
        }),
        connectRedis(redisUrl, {
          name: 'tessera:revocation-stream',
          commandTimeoutMs: blockMs + 2000,
        }),
      ]);
      connections.push(commands, blocking);
      const key = revocationStreamKey(config.redisPrefix);
      const publishing = new RedisRevocationPublisher({
        redis: commands,
        key,
        retentionMs: (config.accessTokenTtlSeconds + config.clockToleranceSeconds) * 1000,
        clock: options.clock,
        onStateChange: (error) => {
          if (error === null) log.info('revocation stream: publishing to Redis again');
          else
            log.warn(
              `revocation stream: cannot publish to Redis (${error.message}); other processes read new revocations from the database log`,
            );
        },
      });
      publisher = publishing;
      stream = new RedisRevocationStream({
        redis: blocking,
        key,
        follower,
        freshness,
        freshnessSource: REDIS_SOURCE,
        blockMs,
        pollIntervalMs: { streaming: streamingMs, fallback: fallbackMs },
        onStateChange: (state, error) => {
          if (state === 'down')
            log.warn(
              `revocation stream: Redis unreachable (${error?.message ?? 'unknown error'}); polling the database log every ${fallbackMs} ms until it returns`,
            );
          else log.info('revocation stream: following Redis again');
        },
        onError: (error) => {
          log.warn(`revocation stream: ${error instanceof Error ? error.message : String(error)}`);
        },
      });
      await stream.start();
      // Events this process reads from the log (its own writes, and any whose publication
      // was lost) go to the stream; duplicates there are harmless, missing events are not.
      follower.subscribe((event, source) => {
        if (source === 'log') void publishing.publish(event);
      });
      throttleStore = new RedisThrottleStore({ redis: commands, prefix: config.redisPrefix });
    }
  } catch (error) {
    await shutDown();
    throw error;
  }

  async function shutDown(): Promise<void> {
    clearInterval(watch);
    follower.stop();
    const stopped = stream?.stop();
    await publisher?.flush();
    for (const connection of connections) connection.disconnect();
    await stopped;
  }

  return {
    denylist,
    follower,
    freshness,
    stream,
    throttleStore,
    afterRevocation: async () => {
      await follower.catchUp();
      await publisher?.flush();
    },
    attachLog: (target) => {
      log.attach(target);
    },
    close: shutDown,
  };
}

function logFreshness(log: ServerLog, status: FreshnessStatus, failOpen: boolean): void {
  if (status.fresh) {
    log.info(status.summary);
    return;
  }
  const consequence = failOpen
    ? 'accepting bearer tokens anyway (--fail-open-when-stale)'
    : 'refusing bearer tokens with 503 until they are confirmed';
  log.warn(`${status.summary}; ${consequence}`);
}

/** `reader`, logging once when its reads start failing and once when they work again. */
function watchedLog(
  reader: RevocationLogReader,
  log: ServerLog,
  intervalMs: number,
): RevocationLogReader {
  let failing = false;
  return {
    async revocationsAfter(cursor, limit, now) {
      try {
        const events = await reader.revocationsAfter(cursor, limit, now);
        if (failing) log.info('revocation log readable again');
        failing = false;
        return events;
      } catch (error) {
        if (!failing) {
          const message = error instanceof Error ? error.message : String(error);
          log.warn(`revocation log unreadable (${message}); retrying every ${intervalMs} ms`);
        }
        failing = true;
        throw error;
      }
    },
  };
}
