import { connectRedis, type RedisClient } from '../revocation/redis-connection.js';
import { revocationStreamKey } from '../revocation/redis-revocation-publisher.js';
import { RedisRevocationStream } from '../revocation/redis-revocation-stream.js';
import type { LoggedRevocationEvent } from '../revocation/revocation-event.js';
import { RevocationFollower, type RevocationLogReader } from '../revocation/revocation-follower.js';
import { ReadyLatch } from './internal/ready-latch.js';
import { WakeablePause } from './internal/wakeable-pause.js';
import {
  confirmingLogReader,
  type RevocationFreshness,
} from '../revocation/revocation-freshness.js';

/** Freshness source names in Redis mode, as the status reports them. */
export const REDIS_SOURCE = 'redis';
export const REDIS_LOG_SOURCE = 'revocation log';

/** Options of {@link RedisRevocations}. */
export interface RedisRevocationsOptions {
  /** `redis://` or `rediss://` URL of the deployment's Redis. */
  readonly url: string;
  /** The deployment's key prefix (the server's `--redis-prefix`). */
  readonly prefix: string;
  /** The auth server's log over HTTP: the start, the fallback while Redis is down, the safety net. */
  readonly log: RevocationLogReader;
  readonly apply: (event: LoggedRevocationEvent) => void;
  /** Told of confirmations with sources {@link REDIS_SOURCE} and {@link REDIS_LOG_SOURCE}. */
  readonly freshness: RevocationFreshness;
  readonly maxStalenessMs: number;
  readonly onError?: ((error: unknown) => void) | undefined;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * Follows revocations the way the auth server's own processes do: the Redis stream pushes
 * events within milliseconds, and the durable log (read here over HTTP) is the start, the
 * fallback when Redis is down, and the source of truth. Built on the revocation part's
 * `RevocationFollower` and `RedisRevocationStream`; this class adds retries at start (a
 * verifier may start before its issuer) and the shutdown of everything it opened.
 *
 * @example
 * const revocations = new RedisRevocations({ url, prefix: 'tessera:', log, apply, freshness, maxStalenessMs: 30_000 });
 * revocations.start();
 * await revocations.ready();
 */
export class RedisRevocations {
  readonly #options: RedisRevocationsOptions;
  readonly #follower: RevocationFollower;
  readonly #fallbackMs: number;
  #redis: RedisClient | null = null;
  #stream: RedisRevocationStream | null = null;
  #starting: Promise<void> | null = null;
  #closed = false;
  readonly #ready = new ReadyLatch();
  readonly #pauses = new WakeablePause();

  constructor(options: RedisRevocationsOptions) {
    this.#options = options;
    // While Redis is down, poll the log often enough to stay within the staleness bound.
    this.#fallbackMs = Math.max(50, Math.min(1000, Math.floor(options.maxStalenessMs / 3)));
    this.#follower = new RevocationFollower({
      log: confirmingLogReader(
        options.log,
        options.freshness,
        REDIS_LOG_SOURCE,
        'revocation log unreachable',
      ),
      apply: options.apply,
      pollIntervalMs: this.#fallbackMs,
      onError: (error) => options.onError?.(error),
    });
  }

  /** Read the log, then follow the stream; retried until it works or {@link close} is called. */
  start(): void {
    this.#starting ??= this.#start().catch((error: unknown) => {
      this.#options.onError?.(error);
    });
  }

  /** Resolves once the whole log has been read; rejects if {@link close} comes first. */
  ready(): Promise<void> {
    return this.#ready.wait();
  }

  /** Stop the stream, the polling and the Redis connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pauses.wake();
    this.#ready.close('the verifier was closed before its revocations were loaded');
    await this.#starting;
    const stopped = this.#stream?.stop();
    // A blocked XREAD ends only when its connection does.
    this.#redis?.disconnect();
    await stopped;
    this.#follower.stop();
  }

  async #start(): Promise<void> {
    const { freshness, maxStalenessMs, onError } = this.#options;
    // Read the log first, so that the verifier is complete even while Redis is down.
    for (let attempt = 0; !this.#isClosed(); attempt++) {
      try {
        await this.#follower.catchUp();
        break;
      } catch (error) {
        onError?.(error);
        await this.#pause(attempt);
      }
    }
    if (this.#isClosed()) return;
    // Blocking reads return as often as the log is polled while Redis is down.
    const blockMs = this.#fallbackMs;
    const redis = await connectRedis(this.#options.url, {
      name: 'tessera:verifier',
      commandTimeoutMs: blockMs + 2000,
    });
    if (this.#isClosed()) {
      redis.disconnect();
      return;
    }
    this.#redis = redis;
    for (let attempt = 0; !this.#isClosed(); attempt++) {
      const stream = new RedisRevocationStream({
        redis,
        key: revocationStreamKey(this.#options.prefix),
        follower: this.#follower,
        freshness,
        freshnessSource: REDIS_SOURCE,
        blockMs,
        pollIntervalMs: {
          // Only a read of the whole log proves nothing is missing (publication to the stream
          // is best effort), so it runs three times per max staleness even while streaming.
          streaming: Math.max(this.#fallbackMs, Math.floor(maxStalenessMs / 3)),
          fallback: this.#fallbackMs,
        },
        onError: (error) => onError?.(error),
        onStateChange: (state, error) => {
          if (state === 'down') onError?.(error);
        },
      });
      try {
        // Notes the stream's end, reads the log again, then follows the stream from there.
        await stream.start();
        this.#stream = stream;
        break;
      } catch (error) {
        await stream.stop();
        onError?.(error);
        await this.#pause(attempt);
      }
    }
    if (this.#isClosed()) return;
    this.#ready.open();
  }

  /** A method, so the compiler does not assume the field unchanged across an await. */
  #isClosed(): boolean {
    return this.#closed;
  }

  #pause(attempt: number): Promise<void> {
    const ms = Math.min(FIRST_RETRY_MS * 2 ** Math.min(attempt, 10), MAX_RETRY_MS);
    return this.#pauses.sleep(ms * (0.5 + Math.random() / 2));
  }
}
