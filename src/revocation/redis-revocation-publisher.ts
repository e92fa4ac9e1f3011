import { systemClock, type Clock } from '../token/clock.js';
import { decodeStreamEntry, encodeStreamEntry, parseEntries } from './internal/stream-entry.js';
import type { RedisClient } from './redis-connection.js';
import type { LoggedRevocationEvent } from './revocation-event.js';

/** The Redis stream of a deployment's revocations, under its key prefix. */
export function revocationStreamKey(prefix: string): string {
  return `${prefix}revocations`;
}

/** Options of {@link RedisRevocationPublisher}. */
export interface RedisRevocationPublisherOptions {
  /** A connection of {@link connectRedis}; it may be shared with other non-blocking commands. */
  readonly redis: RedisClient;
  /** The stream, e.g. `revocationStreamKey('tessera:')`. */
  readonly key: string;
  /**
   * How long entries stay in the stream, in ms: the revocation horizon (longest access-token
   * lifetime plus clock tolerance). A follower away longer finds a gap and reads the log.
   */
  readonly retentionMs: number;
  readonly clock?: Clock;
  /** Publishing failed (once per outage) or works again (`error` null). */
  readonly onStateChange?: (error: Error | null) => void;
}

/**
 * Appends revocation events that are already durable in the log to a Redis stream, so every
 * process following it holds them within milliseconds. Entries carry the log id, so a follower
 * can tell the next event from one after a gap; the stream is trimmed to the retention window
 * (`XADD … MINID ~`: stream ids start with their time in ms).
 *
 * Publishing is best effort by design: the log is the source of truth and every follower also
 * polls it, so an entry lost to an outage or a crash only arrives later. {@link publish}
 * therefore never rejects, and waits at most the connection's command timeout.
 *
 * @example
 * const publisher = new RedisRevocationPublisher({ redis, key: revocationStreamKey('tessera:'), retentionMs: 930_000 });
 * follower.subscribe((event, source) => { if (source === 'log') void publisher.publish(event); });
 * await follower.catchUp();
 * await publisher.flush();
 */
export class RedisRevocationPublisher {
  readonly #redis: RedisClient;
  readonly #key: string;
  readonly #retentionMs: number;
  readonly #clock: Clock;
  readonly #onStateChange: ((error: Error | null) => void) | undefined;
  readonly #inFlight = new Set<Promise<boolean>>();
  #failing = false;

  /** @throws TypeError for a negative or non-finite `retentionMs`, or an empty key. */
  constructor(options: RedisRevocationPublisherOptions) {
    if (!Number.isFinite(options.retentionMs) || options.retentionMs < 0) {
      throw new TypeError('retentionMs must be a finite number, 0 or more');
    }
    if (options.key === '') throw new TypeError('key must not be empty');
    this.#redis = options.redis;
    this.#key = options.key;
    this.#retentionMs = options.retentionMs;
    this.#clock = options.clock ?? systemClock;
    this.#onStateChange = options.onStateChange;
  }

  /** Append `event`. True once Redis stored it; false when it could not (see the class). */
  publish(event: LoggedRevocationEvent): Promise<boolean> {
    const minId = Math.max(0, Math.floor(this.#clock.now() - this.#retentionMs));
    const sent = this.#redis
      .call('XADD', this.#key, 'MINID', '~', String(minId), '*', ...encodeStreamEntry(event))
      .then(
        () => {
          this.#setFailing(null);
          return true;
        },
        (error: unknown) => {
          this.#setFailing(error instanceof Error ? error : new Error(String(error)));
          return false;
        },
      );
    this.#inFlight.add(sent);
    void sent.finally(() => this.#inFlight.delete(sent));
    return sent;
  }

  /**
   * The log id of the stream's last entry: every event up to it was durable before it was
   * published, so a writer may start looking for its own new events there rather than at the
   * start of the log. Null when the stream is empty, its last entry unreadable, or Redis
   * unreachable (never rejects).
   */
  async lastPublishedLogId(): Promise<number | null> {
    try {
      const reply = await this.#redis.call('XREVRANGE', this.#key, '+', '-', 'COUNT', '1');
      const last = parseEntries(reply)[0];
      return last === undefined ? null : (decodeStreamEntry(last[1])?.id ?? null);
    } catch {
      return null;
    }
  }

  /** Wait for every publish started so far to succeed or fail. */
  async flush(): Promise<void> {
    await Promise.all(this.#inFlight);
  }

  #setFailing(error: Error | null): void {
    if ((error !== null) === this.#failing) return;
    this.#failing = error !== null;
    this.#onStateChange?.(error);
  }
}
