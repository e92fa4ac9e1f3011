import type { LoggedRevocationEvent } from '../revocation/revocation-event.js';
import type { RevocationLogReader } from '../revocation/revocation-follower.js';
import type { RevocationFreshness } from '../revocation/revocation-freshness.js';
import { parseWireEvent } from './http-revocation-log.js';
import { ReadyLatch } from './internal/ready-latch.js';
import { SseParser } from './internal/sse-parser.js';
import { WakeablePause } from './internal/wakeable-pause.js';
import { VerifierError } from './verifier-error.js';

/** Freshness source names of a feed follower, as its status reports them. */
export const FEED_SOURCE = 'revocation feed';
export const LOG_SOURCE = 'revocation log';

/** Options of {@link RevocationFeed}. */
export interface RevocationFeedOptions {
  /** The auth server's SSE feed, `GET <issuer>/revocations/stream`. */
  readonly url: string;
  /** The same log read page by page, to confirm a quiet feed and to start without it. */
  readonly log: RevocationLogReader;
  /** Called for each event (the denylist's `add`); must be idempotent. */
  readonly apply: (event: LoggedRevocationEvent) => void;
  /** Told of every confirmation, with sources {@link FEED_SOURCE} and {@link LOG_SOURCE}. */
  readonly freshness: RevocationFreshness;
  readonly maxStalenessMs: number;
  /** Longest wait for the feed's response headers. */
  readonly connectTimeoutMs: number;
  /** A feed that sends nothing at all (not even a heartbeat) this long is dropped and reopened. */
  readonly silenceTimeoutMs?: number;
  /** Reported failures; following goes on. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** Events read per log page; the server's own page size. */
const PAGE = 1000;
/** Largest line or event the feed may send; an event is about 150 bytes. */
const MAX_EVENT_BYTES = 65_536;
/** The server sends a heartbeat every 15 s: three missed, and the connection is presumed dead. */
const DEFAULT_SILENCE_MS = 45_000;
/** Reconnection delays: the server's `retry:` (default 1 s) doubled per failure, capped here. */
const DEFAULT_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * Follows the auth server's revocation feed (Server-Sent Events): a snapshot of every event
 * after `Last-Event-ID`, then `ready`, then each new event as it is logged, with heartbeats in
 * between. Every event is applied, in log order, and the cursor (the last id applied) is sent
 * as `Last-Event-ID` on reconnection, so nothing is missed across a drop. Reconnections back
 * off exponentially with jitter and reset once the feed says `ready` again.
 *
 * Freshness: the feed confirms the denylist current on `ready` and on every event or
 * heartbeat after it; until `ready` (after a reconnection, say) it confirms nothing. When no
 * confirmation has come for two thirds of `maxStalenessMs` (a feed quieter than its
 * heartbeats, or down), the log is read from the cursor over plain HTTP, which both catches up
 * and confirms. The verifier refuses tokens once neither path has confirmed for `maxStalenessMs`.
 *
 * @example
 * const feed = new RevocationFeed({ url, log, apply: (e) => denylist.add(e), freshness, maxStalenessMs: 30_000, connectTimeoutMs: 5_000 });
 * feed.start();
 * await feed.ready();
 * // … on shutdown:
 * await feed.close();
 */
export class RevocationFeed {
  readonly #options: RevocationFeedOptions;
  readonly #silenceMs: number;
  #cursor = 0;
  #caughtUp = false;
  #closed = false;
  #failures = 0;
  #retryMs = DEFAULT_RETRY_MS;
  #connection: AbortController | null = null;
  #lastDataAt = 0;
  #lastConfirmedAt = Number.NEGATIVE_INFINITY;
  #readingLog: Promise<void> | null = null;
  #loop: Promise<void> | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  readonly #ready = new ReadyLatch();
  readonly #pauses = new WakeablePause();

  constructor(options: RevocationFeedOptions) {
    this.#options = options;
    this.#silenceMs = options.silenceTimeoutMs ?? DEFAULT_SILENCE_MS;
  }

  /** The id of the last event applied; every event before it was applied too. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Whether the feed is connected and past its snapshot. */
  get following(): boolean {
    return this.#caughtUp;
  }

  /** Connect and keep following until {@link close}. */
  start(): void {
    if (this.#loop !== null || this.#closed) return;
    const { maxStalenessMs } = this.#options;
    this.#watchdog = setInterval(
      () => {
        this.#check();
      },
      Math.min(Math.max(maxStalenessMs / 6, 50), 5_000),
    );
    this.#watchdog.unref();
    this.#loop = this.#run();
  }

  /**
   * Resolves once the denylist holds the whole log: the feed said `ready`, or a log read
   * reached its end. Rejects if {@link close} comes first.
   */
  ready(): Promise<void> {
    return this.#ready.wait();
  }

  /** Stop following: close the connection and every timer. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#caughtUp = false;
    this.#connection?.abort();
    this.#pauses.wake();
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#watchdog = null;
    this.#ready.close('the verifier was closed before its revocations were loaded');
    await this.#loop;
    await this.#readingLog;
  }

  async #run(): Promise<void> {
    while (!this.#isClosed()) {
      try {
        await this.#follow();
        if (this.#isClosed()) break;
        throw new VerifierError('ERR_REVOCATIONS_UNAVAILABLE', 'the revocation feed ended');
      } catch (error) {
        if (this.#isClosed()) break;
        this.#options.onError?.(error);
      }
      if (this.#caughtUp) this.#options.freshness.fail(FEED_SOURCE, 'revocation feed disconnected');
      this.#caughtUp = false;
      this.#failures++;
      await this.#pauses.sleep(this.#backoff());
    }
  }

  /** A method, so the compiler does not assume the field unchanged across an await. */
  #isClosed(): boolean {
    return this.#closed;
  }

  /** One connection: open, read until it ends or fails. */
  async #follow(): Promise<void> {
    const connection = new AbortController();
    this.#connection = connection;
    const timer = setTimeout(() => {
      connection.abort(
        new VerifierError(
          'ERR_REVOCATIONS_UNAVAILABLE',
          `the revocation feed did not answer within ${this.#options.connectTimeoutMs} ms`,
        ),
      );
    }, this.#options.connectTimeoutMs);
    timer.unref();
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (this.#cursor > 0) headers['last-event-id'] = String(this.#cursor);
      const response = await fetch(this.#options.url, {
        headers,
        redirect: 'error',
        signal: connection.signal,
      });
      clearTimeout(timer);
      const type = response.headers.get('content-type') ?? '';
      if (response.status !== 200 || !type.startsWith('text/event-stream') || !response.body) {
        await response.body?.cancel();
        throw new VerifierError(
          'ERR_REVOCATIONS_UNAVAILABLE',
          `the revocation feed answered ${response.status} ${type}`,
        );
      }
      this.#lastDataAt = performance.now();
      const parser = new SseParser(
        {
          onEvent: (event) => {
            this.#onEvent(event.event, event.data);
          },
          onComment: () => {
            if (this.#caughtUp) this.#confirm(FEED_SOURCE);
          },
          onRetry: (ms) => {
            this.#retryMs = Math.min(Math.max(ms, 100), MAX_RETRY_MS);
          },
        },
        MAX_EVENT_BYTES,
      );
      const decoder = new TextDecoder();
      const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
      // undici does not always fail a pending read when the fetch is aborted (it cannot cancel
      // a locked stream): cancel the reader too, so close() never waits for the next byte.
      onAbort(connection.signal, () => {
        reader.cancel().catch(() => undefined);
      });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          if (connection.signal.aborted) throw connection.signal.reason;
          return;
        }
        this.#lastDataAt = performance.now();
        parser.push(decoder.decode(value, { stream: true }));
      }
    } catch (error) {
      // An abort carries its reason (a timeout, silence); anything else is the fetch's own error.
      throw connection.signal.aborted && connection.signal.reason instanceof VerifierError
        ? connection.signal.reason
        : error;
    } finally {
      clearTimeout(timer);
      connection.abort();
      if (this.#connection === connection) this.#connection = null;
    }
  }

  #onEvent(type: string, data: string): void {
    if (type === 'ready') {
      this.#caughtUp = true;
      this.#failures = 0;
      this.#confirm(FEED_SOURCE);
      this.#markReady();
      return;
    }
    if (type !== 'revocation') return;
    let event: LoggedRevocationEvent | null = null;
    try {
      event = parseWireEvent(JSON.parse(data));
    } catch {
      event = null;
    }
    if (event === null) {
      this.#options.onError?.(
        new VerifierError('ERR_REVOCATIONS_UNAVAILABLE', 'malformed event in the revocation feed'),
      );
      return;
    }
    this.#take(event);
    if (this.#caughtUp) this.#confirm(FEED_SOURCE);
  }

  #take(event: LoggedRevocationEvent): void {
    try {
      this.#options.apply(event);
    } catch (error) {
      this.#options.onError?.(error);
    }
    if (event.id > this.#cursor) this.#cursor = event.id;
  }

  #confirm(source: string, at?: number): void {
    const when = at ?? this.#options.freshness.now();
    this.#options.freshness.confirm(source, when);
    this.#lastConfirmedAt = Math.max(this.#lastConfirmedAt, when);
  }

  /** The watchdog: drop a silent connection; read the log when confirmations run late. */
  #check(): void {
    if (this.#closed) return;
    const now = performance.now();
    if (this.#connection !== null && now - this.#lastDataAt > this.#silenceMs) {
      this.#connection.abort(
        new VerifierError(
          'ERR_REVOCATIONS_UNAVAILABLE',
          `the revocation feed sent nothing for ${Math.round(this.#silenceMs / 1000)} s`,
        ),
      );
    }
    const age = this.#options.freshness.now() - this.#lastConfirmedAt;
    if (age > (this.#options.maxStalenessMs * 2) / 3 && this.#readingLog === null) {
      this.#readingLog = this.#readLog()
        .catch((error: unknown) => {
          this.#options.freshness.fail(LOG_SOURCE, 'revocation log unreachable');
          this.#options.onError?.(error);
        })
        .finally(() => {
          this.#readingLog = null;
        });
    }
  }

  /** Read the log from the cursor to its end; that confirms as of the moment it started. */
  async #readLog(): Promise<void> {
    const startedAt = this.#options.freshness.now();
    for (;;) {
      const events = await this.#options.log.revocationsAfter(this.#cursor, PAGE, Date.now());
      if (this.#closed) return;
      for (const event of events) this.#take(event);
      if (events.length < PAGE) break;
    }
    this.#confirm(LOG_SOURCE, startedAt);
    this.#markReady();
  }

  #backoff(): number {
    const exponential = Math.min(
      this.#retryMs * 2 ** Math.min(this.#failures - 1, 10),
      MAX_RETRY_MS,
    );
    // Jitter: verifiers dropped together by a server restart do not all return at once.
    return exponential * (0.5 + Math.random() / 2);
  }

  #markReady(): void {
    this.#ready.open();
  }
}

/** Run `listener` once when `signal` aborts (at once if it already has). */
function onAbort(signal: AbortSignal, listener: () => void): void {
  if (signal.aborted) listener();
  else signal.addEventListener('abort', listener, { once: true });
}
