import {
  compareStreamIds,
  decodeStreamEntry,
  parseEntries,
  parseXreadReply,
} from './internal/stream-entry.js';
import type { RedisClient } from './redis-connection.js';
import type { RevocationFollower } from './revocation-follower.js';
import type { RevocationFreshness } from './revocation-freshness.js';

/** Options of {@link RedisRevocationStream}. */
export interface RedisRevocationStreamOptions {
  /**
   * A connection of its own (`connectRedis`), blocked in `XREAD` most of the time; its
   * command timeout must exceed `blockMs`. The owner closes it after {@link RedisRevocationStream.stop}.
   */
  readonly redis: RedisClient;
  /** The stream, e.g. `revocationStreamKey('tessera:')`. */
  readonly key: string;
  /** Follows the durable log; the stream offers it events and lets it poll less often. */
  readonly follower: RevocationFollower;
  /** Told of every stream read that returned, and of outages, as source `freshnessSource`. */
  readonly freshness?: RevocationFreshness;
  /** Default `'redis'`. */
  readonly freshnessSource?: string;
  /** How long one `XREAD` blocks waiting for entries; default 1000 ms. */
  readonly blockMs?: number;
  /** Entries read at most per `XREAD`; default 1000. */
  readonly batchSize?: number;
  /**
   * The follower's polling interval while the stream works (a safety net for an entry lost
   * in a crash) and while it does not (the fallback). Default: the follower's own, unchanged.
   */
  readonly pollIntervalMs?: { readonly streaming: number; readonly fallback: number };
  /** The stream stopped working (once per outage, with the first error) or works again. */
  readonly onStateChange?: (state: 'following' | 'down', error?: Error) => void;
  /** A malformed entry, or a log catch-up that failed; following goes on. */
  readonly onError?: (error: unknown) => void;
}

/** Where a {@link RedisRevocationStream} is: not started, reading, failing, or stopped. */
export type RedisStreamState = 'idle' | 'following' | 'down' | 'stopped';

/**
 * Follows a Redis stream of revocations with blocking reads and hands each event to a
 * {@link RevocationFollower}, which applies it at once (the fast path) while the durable log
 * stays the source of truth. When Redis fails, the follower falls back to polling the log;
 * when it returns, reading resumes from the last stream id seen.
 *
 * No event is lost between the two paths: at start the stream's last id is noted before the
 * log is read, and reading follows from that id; after every reconnection the log is read
 * again, and the stream confirms freshness only once that read has succeeded. Should the stream
 * have gone backwards (Redis restarted empty), reading restarts from its new end.
 *
 * @example
 * const stream = new RedisRevocationStream({ redis: await connectRedis(url), key, follower, freshness });
 * await stream.start(); // complete: the log has been read
 * // … on shutdown:
 * const stopped = stream.stop();
 * redis.disconnect();
 * await stopped;
 */
export class RedisRevocationStream {
  readonly #redis: RedisClient;
  readonly #key: string;
  readonly #follower: RevocationFollower;
  readonly #options: RedisRevocationStreamOptions;
  readonly #blockMs: number;
  readonly #batchSize: number;
  #state: RedisStreamState = 'idle';
  #lastId: string | null = null;
  #needsResync = true;
  #logCaughtUp = false;
  #catchingUp = false;
  #received = 0;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #stopped = false;

  /** @throws TypeError for a non-positive `blockMs` or `batchSize`. */
  constructor(options: RedisRevocationStreamOptions) {
    this.#options = options;
    this.#redis = options.redis;
    this.#key = options.key;
    this.#follower = options.follower;
    this.#blockMs = positive('blockMs', options.blockMs ?? 1000);
    this.#batchSize = positive('batchSize', options.batchSize ?? 1000);
  }

  get state(): RedisStreamState {
    return this.#state;
  }

  /** The id of the last stream entry read (`<ms>-<seq>`); null before the first. */
  get lastStreamId(): string | null {
    return this.#lastId;
  }

  /** Events read from the stream so far (duplicates included). */
  get eventsReceived(): number {
    return this.#received;
  }

  /**
   * Note where the stream ends, read the whole log (`follower.start()`), then follow the
   * stream from the noted id. Resolves once the log has been read, Redis reachable or not.
   *
   * @throws whatever the first log read throws: a process must not start incomplete.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new TypeError('the stream has already been started');
    let noted: string | null = null;
    try {
      noted = await this.#streamEnd();
    } catch (error) {
      this.#setState('down', error);
    }
    await this.#follower.start();
    if (noted !== null) {
      this.#lastId = noted;
      this.#needsResync = false;
      this.#logCaughtUp = true;
    }
    this.#loop = this.#run();
  }

  /**
   * Stop following after the read in flight; resolves when the loop has ended. Disconnect the
   * client too, or a blocked read ends only at its timeout. The follower keeps polling: stop
   * it separately.
   */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#state = 'stopped';
    this.#wake?.();
    return this.#loop ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    while (!this.#isStopped()) {
      try {
        if (this.#needsResync || this.#lastId === null) await this.#resync();
        const reply = await this.#redis.call(
          'XREAD',
          'COUNT',
          String(this.#batchSize),
          'BLOCK',
          String(this.#blockMs),
          'STREAMS',
          this.#key,
          this.#lastId ?? '0-0',
        );
        if (this.#isStopped()) break;
        const entries = parseXreadReply(reply);
        this.#take(entries);
        this.#setState('following');
        if (entries.length < this.#batchSize) this.#confirm();
      } catch (error) {
        if (this.#isStopped()) break;
        this.#setState('down', error);
        this.#needsResync = true;
        // A Redis that hangs keeps the socket open: drop it so the client connects afresh.
        if (error instanceof Error && error.message === 'Command timed out') {
          this.#redis.disconnect(true);
        }
        await this.#pause();
      }
    }
  }

  /** A method, not the field, so the compiler does not assume it unchanged across an await. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  #take(entries: readonly (readonly [string, readonly string[]])[]): void {
    for (const [id, fields] of entries) {
      this.#lastId = id;
      const event = decodeStreamEntry(fields);
      if (event === null) {
        this.#options.onError?.(new TypeError(`malformed revocation entry ${id} in the stream`));
        continue;
      }
      this.#received++;
      try {
        this.#follower.offer(event);
      } catch (error) {
        this.#options.onError?.(error);
      }
    }
  }

  /**
   * After a (re)connection: resume from the last id, unless the stream now ends before it
   * (Redis restarted empty or from an older copy), then from its end. Either way read the log
   * again, for whatever the stream lost.
   */
  async #resync(): Promise<void> {
    const end = await this.#streamEnd();
    if (this.#lastId === null || compareStreamIds(end, this.#lastId) < 0) this.#lastId = end;
    this.#needsResync = false;
    this.#logCaughtUp = false;
    this.#catchUpLog();
  }

  /** A stream read is a confirmation only once the log has been read since the last resync. */
  #confirm(): void {
    if (!this.#logCaughtUp) {
      this.#catchUpLog();
      return;
    }
    this.#options.freshness?.confirm(this.#options.freshnessSource ?? 'redis');
  }

  #catchUpLog(): void {
    if (this.#catchingUp) return;
    this.#catchingUp = true;
    this.#follower
      .catchUp()
      .then(
        () => {
          this.#logCaughtUp = true;
        },
        (error: unknown) => this.#options.onError?.(error),
      )
      .finally(() => {
        this.#catchingUp = false;
      });
  }

  /** The id of the stream's last entry, or `0-0` when it is empty or missing. */
  async #streamEnd(): Promise<string> {
    const reply = await this.#redis.call('XREVRANGE', this.#key, '+', '-', 'COUNT', '1');
    return parseEntries(reply)[0]?.[0] ?? '0-0';
  }

  #setState(state: 'following' | 'down', error?: unknown): void {
    if (this.#state === state || this.#stopped) return;
    this.#state = state;
    const intervals = this.#options.pollIntervalMs;
    if (intervals !== undefined) {
      this.#follower.setPollInterval(
        state === 'following' ? intervals.streaming : intervals.fallback,
      );
    }
    if (state === 'down') {
      this.#options.freshness?.fail(this.#options.freshnessSource ?? 'redis', 'redis down');
      this.#options.onStateChange?.(
        state,
        error instanceof Error ? error : new Error(String(error)),
      );
    } else {
      this.#options.onStateChange?.(state);
    }
  }

  /** Wait until the client is ready again, a second at most, or until stopped. */
  #pause(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#redis.off('ready', done);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, 1000);
      this.#redis.once('ready', done);
      this.#wake = done;
    });
  }
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer`);
  }
  return value;
}
